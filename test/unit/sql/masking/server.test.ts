import { expect } from "chai";
import { binlogAction, binlogRefusal, serverProfile } from "../../../../sql/masking/server";

describe("masking server-kind switch", () => {
  it("tells MySQL 8.0 / Aurora MySQL 3 from MariaDB by VERSION() and @@version_comment", () => {
    expect(serverProfile("8.0.39").kind).to.equal("mysql");
    expect(serverProfile("8.0.mysql_aurora.3.08.0").kind).to.equal("mysql");
    expect(serverProfile("10.11.6-MariaDB-0+deb12u1").kind).to.equal("mariadb");
    expect(serverProfile("5.5.5-10.11.6", "MariaDB Server").kind).to.equal("mariadb");
  });

  it("knows MySQL runs REGEXP on ICU with binary logging on by default, MariaDB on PCRE2 with it off", () => {
    expect(serverProfile("8.0.39")).to.include({ regexp: "icu", binlogByDefault: true });
    expect(serverProfile("10.11.6-MariaDB")).to.include({ regexp: "pcre2", binlogByDefault: false });
  });

  it("switches the binary log off for the session only when the server writes one and the session would log", () => {
    expect(binlogAction({ logBin: true, sessionLogs: true })).to.equal("disable-for-session");
    expect(binlogAction({ logBin: true, sessionLogs: false })).to.equal("none");
    expect(binlogAction({ logBin: false, sessionLogs: true })).to.equal("none");
  });

  it("names the privilege and the parameter-group setting of each server when it refuses", () => {
    const mysql = binlogRefusal(serverProfile("8.0.39"));
    expect(mysql).to.include("SYSTEM_VARIABLES_ADMIN or SESSION_VARIABLES_ADMIN");
    expect(mysql).to.include("binlog_format to OFF");
    const maria = binlogRefusal(serverProfile("10.11.6-MariaDB"));
    expect(maria).to.include("SUPER or BINLOG ADMIN");
    expect(maria).to.include("without --log-bin");
  });
});
