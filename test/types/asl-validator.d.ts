/** asl-validator 4 ships no type declarations. */
declare module "asl-validator" {
  interface ValidationResult {
    isValid: boolean;
    errors: Array<{ "Error code": string; Message: string }>;
  }
  function validator(definition: unknown, opts?: { checkPaths?: boolean; checkArn?: boolean }): ValidationResult;
  export = validator;
}
