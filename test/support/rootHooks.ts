/** Mocha root hooks (loaded through .mocharc.json `require`): tear down what test/support started. */
import { stopSharedMariaDb } from "./sharedMariaDb";

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(30_000);
    await stopSharedMariaDb();
  },
};
