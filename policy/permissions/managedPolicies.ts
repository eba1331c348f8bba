/**
 * AWS-managed policies the program attaches, with the document AWS publishes for each, so that the simulator
 * evaluates what the principal really holds. Keyed by the name after `arn:aws:iam::aws:policy/`. A managed policy
 * missing here is reported as unknown by the collector; its grants are not simulated.
 */
import type { PolicyDocument } from "./collect";

export const AWS_MANAGED_POLICIES: Readonly<Record<string, PolicyDocument>> = {
  // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html
  "service-role/AWSLambdaVPCAccessExecutionRole": {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AWSLambdaVPCAccessExecutionPermissions",
        Effect: "Allow",
        Action: [
          "logs:CreateLogGroup",
          "logs:CreateLogStream",
          "logs:PutLogEvents",
          "ec2:CreateNetworkInterface",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DescribeSubnets",
          "ec2:DeleteNetworkInterface",
          "ec2:AssignPrivateIpAddresses",
          "ec2:UnassignPrivateIpAddresses",
        ],
        Resource: "*",
      },
    ],
  },
};
