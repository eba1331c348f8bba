import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ServiceRole } from "../security/serviceRole";
import { type QuickSightAccessArgs, quickSightAccessStatements } from "./quickSightPolicies";

/** Data source actions of an owner and of a viewer (QuickSight console's "Owner" and "Viewer" access). */
export const DATA_SOURCE_ACTIONS = {
  viewer: ["quicksight:DescribeDataSource", "quicksight:DescribeDataSourcePermissions", "quicksight:PassDataSource"],
  owner: [
    "quicksight:DescribeDataSource",
    "quicksight:DescribeDataSourcePermissions",
    "quicksight:PassDataSource",
    "quicksight:UpdateDataSource",
    "quicksight:DeleteDataSource",
    "quicksight:UpdateDataSourcePermissions",
  ],
} as const;

/** Data set actions of an owner and of a viewer. */
export const DATA_SET_ACTIONS = {
  viewer: ["quicksight:DescribeDataSet", "quicksight:DescribeDataSetPermissions", "quicksight:PassDataSet", "quicksight:DescribeIngestion", "quicksight:ListIngestions"],
  owner: [
    "quicksight:DescribeDataSet",
    "quicksight:DescribeDataSetPermissions",
    "quicksight:PassDataSet",
    "quicksight:DescribeIngestion",
    "quicksight:ListIngestions",
    "quicksight:UpdateDataSet",
    "quicksight:DeleteDataSet",
    "quicksight:CreateIngestion",
    "quicksight:CancelIngestion",
    "quicksight:UpdateDataSetPermissions",
  ],
} as const;

/** One data set: a Glue table of the export with the columns QuickSight should see. */
export interface QuickSightTable {
  /** Data set id suffix and physical table name, e.g. `shop_orders` (contracts/exportLayout `glueTableName`). */
  readonly glueTable: string;
  /** Display name, e.g. `shop.orders`. */
  readonly displayName: string;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
}

/** QuickSight over the platform's Athena workgroup. */
export interface QuickSightAnalyticsArgs {
  /** Prefix of the data source and data set ids, e.g. `data-platform-stg`. */
  readonly idPrefix: string;
  /** Physical name of the role QuickSight assumes for this data source (the key policy names it). */
  readonly roleName: string;
  readonly access: QuickSightAccessArgs;
  readonly tables: readonly QuickSightTable[];
  /** `DIRECT_QUERY` or `SPICE`. */
  readonly importMode: "DIRECT_QUERY" | "SPICE";
  /** With `SPICE`: the daily full refresh of every data set (required then; ignored for direct query). */
  readonly spiceRefresh?: { readonly timeOfDay: string; readonly timezone: string };
  /** QuickSight user/group ARNs with full control. At least one. */
  readonly ownerArns: readonly pulumi.Input<string>[];
  /** QuickSight user/group ARNs that may use the data sets. Default none. */
  readonly viewerArns?: readonly pulumi.Input<string>[];
}

/** An Athena data source with its own least-privilege role, and one data set per table, shared as configured. */
export class QuickSightAnalytics extends pulumi.ComponentResource {
  readonly role: ServiceRole;
  readonly dataSource: aws.quicksight.DataSource;
  readonly dataSets: aws.quicksight.DataSet[];
  /** One daily full refresh per data set with `SPICE`; none for direct query. */
  readonly refreshSchedules: aws.quicksight.RefreshSchedule[];

  constructor(name: string, args: QuickSightAnalyticsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:query:QuickSightAnalytics", name, {}, opts);
    if (args.ownerArns.length === 0) {
      throw new pulumi.InputPropertyError({ propertyPath: "ownerArns", reason: "name at least one owner" });
    }
    if (args.tables.length === 0) {
      throw new pulumi.InputPropertyError({ propertyPath: "tables", reason: "name at least one table" });
    }
    const permissions = (actions: { readonly owner: readonly string[]; readonly viewer: readonly string[] }) => [
      ...args.ownerArns.map((principal) => ({ principal, actions: [...actions.owner] })),
      ...(args.viewerArns ?? []).map((principal) => ({ principal, actions: [...actions.viewer] })),
    ];

    this.role = new ServiceRole(
      `${name}-role`,
      {
        roleName: args.roleName,
        service: "quicksight.amazonaws.com",
        accountId: args.access.accountId,
        // The QuickSight guide's trust policy for an Athena data source role names the service only and documents
        // no aws:SourceAccount (https://docs.aws.amazon.com/quicksight/latest/user/security_iam_service-with-iam.html);
        // a condition on a key the service does not send would deny it. Only this account can pass the role
        // (iam:PassRole), so another account's QuickSight cannot point a data source at it.
        sourceAccountCondition: false,
        description: "QuickSight's Athena data source: queries the platform workgroup, reads exports, uses the key only through S3",
        statements: quickSightAccessStatements(args.access),
      },
      { parent: this },
    );

    this.dataSource = new aws.quicksight.DataSource(
      name,
      {
        dataSourceId: `${args.idPrefix}-athena`,
        name: `${args.idPrefix} Athena`,
        type: "ATHENA",
        parameters: { athena: { workGroup: args.access.workgroupName, roleArn: this.role.arn } },
        permissions: permissions(DATA_SOURCE_ACTIONS),
      },
      // QuickSight checks the connection when it creates the source: the role's policy must exist first.
      { parent: this, dependsOn: [this.role.policy] },
    );

    this.dataSets = args.tables.map(
      (t) =>
        new aws.quicksight.DataSet(
          `${name}-${t.glueTable}`,
          {
            dataSetId: `${args.idPrefix}-${t.glueTable}`,
            name: t.displayName,
            importMode: args.importMode,
            physicalTableMaps: [
              {
                physicalTableMapId: "export",
                relationalTable: {
                  dataSourceArn: this.dataSource.arn,
                  catalog: "AwsDataCatalog",
                  schema: args.access.glueDatabaseName,
                  name: t.glueTable,
                  inputColumns: t.columns.map((c) => ({ name: c.name, type: c.type })),
                },
              },
            ],
            permissions: permissions(DATA_SET_ACTIONS),
          },
          { parent: this },
        ),
    );
    if (args.importMode === "SPICE" && !args.spiceRefresh) {
      throw new pulumi.InputPropertyError({ propertyPath: "spiceRefresh", reason: "a SPICE data set that is never refreshed keeps its first day's data" });
    }
    const refresh = args.importMode === "SPICE" ? args.spiceRefresh : undefined;
    // A SPICE data set holds a copy; a daily full refresh reloads it from the stable tables, which then point at the
    // newest export (https://docs.aws.amazon.com/quicksight/latest/user/refreshing-imported-data.html).
    this.refreshSchedules = refresh
      ? this.dataSets.map(
          (d, i) =>
            new aws.quicksight.RefreshSchedule(
              `${name}-${args.tables[i].glueTable}-refresh`,
              {
                dataSetId: d.dataSetId,
                scheduleId: "daily",
                schedule: { refreshType: "FULL_REFRESH", scheduleFrequency: { interval: "DAILY", timeOfTheDay: refresh.timeOfDay, timezone: refresh.timezone } },
              },
              { parent: this },
            ),
        )
      : [];
    this.registerOutputs({ dataSourceArn: this.dataSource.arn, dataSets: this.dataSets.map((d) => d.dataSetId) });
  }
}
