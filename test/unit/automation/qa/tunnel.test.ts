import { expect } from "chai";
import { maskCommandArgs } from "../../../../automation/qa/masking";
import { formatElapsed } from "../../../../automation/qa/progress";
import { connectInstructions, tunnelCommand } from "../../../../automation/qa/tunnel";

const remote = { host: "data-platform-stg-qa-x.cluster-abc.ap-northeast-1.rds.amazonaws.com", port: 3306 };

describe("QA connect paths and the masking command line", () => {
  it("forwards a local port through SSM to the clone's private endpoint", () => {
    expect(tunnelCommand({ via: "ssm", instanceId: "i-0a1b2c3d4e5f60744" }, remote, 40000, "ap-northeast-1")).to.deep.equal({
      command: "aws",
      args: [
        "ssm", "start-session", "--region", "ap-northeast-1", "--target", "i-0a1b2c3d4e5f60744",
        "--document-name", "AWS-StartPortForwardingSessionToRemoteHost",
        "--parameters", `{"host":["${remote.host}"],"portNumber":["3306"],"localPortNumber":["40000"]}`,
      ],
    });
  });

  it("forwards a loopback-only local port through the bastion with ssh -L", () => {
    expect(tunnelCommand({ via: "bastion", host: "bastion.example.com", user: "ec2-user" }, remote, 40000, "ap-northeast-1")).to.deep.equal({
      command: "ssh",
      args: ["-N", "-o", "ExitOnForwardFailure=yes", "-L", `127.0.0.1:40000:${remote.host}:3306`, "ec2-user@bastion.example.com"],
    });
  });

  it("prints shell-quoted instructions without any password", () => {
    const lines = connectInstructions({ via: "ssm", instanceId: "i-0a1b2c3d4e5f60744" }, remote, "admin", "ap-northeast-1");
    expect(lines[0]).to.contain(`--parameters '{"host":["${remote.host}"],"portNumber":["3306"],"localPortNumber":["13306"]}'`);
    expect(lines[1]).to.equal("mysql --host 127.0.0.1 --port 13306 --user admin --password");
  });

  it("runs mask run with the URL, rules, --json and --yes, and never puts the password or salt in argv", () => {
    const args = maskCommandArgs("/repo", "sql/masking.yaml", "admin", 40000, "shop");
    expect(args.slice(2)).to.deep.equal(["/repo/automation/main.ts", "mask", "run", "--url", "mysql://admin@127.0.0.1:40000/shop", "--rules", "/repo/sql/masking.yaml", "--json", "--yes"]);
    expect(args[0]).to.equal("--import");
    expect(args.join(" ")).to.not.match(/pwd|password|salt/i);
  });

  it("formats elapsed time as s, m/s and h/m", () => {
    expect([formatElapsed(9_000), formatElapsed(65_000), formatElapsed(3_780_000)]).to.deep.equal(["9s", "1m05s", "1h03m"]);
  });
});
