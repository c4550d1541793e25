// Validates every object of a multi-document Kubernetes YAML file against the Kubernetes API
// schemas (kubernetes-models: validators generated from the Kubernetes OpenAPI definitions).
// Usage: node validate.mjs FILE. Prints one JSON line per object; exit 1 when any object is
// invalid or of a kind no schema covers, 2 on a usage or parse error.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const file = process.argv[2];
if (!file) {
  console.error("usage: node validate.mjs FILE");
  process.exit(2);
}

const documents = parseAllDocuments(readFileSync(file, "utf8"));
let failed = false;
for (const document of documents) {
  if (document.errors.length > 0) {
    console.error(`${file}: ${document.errors[0].message}`);
    process.exit(2);
  }
  const object = document.toJS();
  if (object === null || object === undefined) continue; // an empty document between separators
  const { apiVersion, kind } = object;
  const name = object.metadata?.name ?? "";
  const result = { apiVersion, kind, name, valid: false, errors: [] };
  // "v1" is the core group; "apps/v1" maps to kubernetes-models/apps/v1.
  const module = `kubernetes-models/${apiVersion}`;
  try {
    const models = await import(module);
    const Model = models[kind];
    if (typeof Model !== "function") throw new Error(`no schema for kind ${kind} in ${apiVersion}`);
    new Model(object).validate();
    result.valid = true;
  } catch (error) {
    result.errors.push(String(error.message ?? error));
    failed = true;
  }
  console.log(JSON.stringify(result));
}
process.exit(failed ? 1 : 0);
