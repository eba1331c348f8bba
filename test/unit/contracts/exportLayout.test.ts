import { expect } from "chai";
import {
  exportId,
  parseTableKeyPrefix,
  s3Uri,
  tableKeyPrefix,
} from "../../../contracts/exportLayout";

const BUCKET = "data-platform-stg-exports-123456789012-ap-northeast-1";

describe("export layout contract: parseTableKeyPrefix", () => {
  it("reads back what tableKeyPrefix builds, with or without s3://bucket", () => {
    const key = tableKeyPrefix(exportId("stg", "20240305", 2), "shop", "Order_Items");
    expect(parseTableKeyPrefix(key)).to.deep.equal({ exportId: "stg-20240305-r2", database: "shop", table: "Order_Items" });
    expect(parseTableKeyPrefix(s3Uri(BUCKET, key))).to.deep.equal({ exportId: "stg-20240305-r2", database: "shop", table: "Order_Items" });
    // The db.schema.table form's folder.
    expect(parseTableKeyPrefix(tableKeyPrefix("stg-20240305", "shop", "users", "other"))).to.deep.equal({ exportId: "stg-20240305", database: "shop", schema: "other", table: "users" });
  });

  it("rejects keys outside the layout", () => {
    expect(parseTableKeyPrefix("exports/stg-20240305/shop/a.b.c/")).to.equal(undefined);
    expect(parseTableKeyPrefix("exports/stg-20240305/shop/")).to.equal(undefined);
    expect(parseTableKeyPrefix("other/stg-20240305/shop/shop.users/")).to.equal(undefined);
    expect(parseTableKeyPrefix("exports/stg-20240305/shop/shop./")).to.equal(undefined);
  });
});
