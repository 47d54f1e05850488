// SPDX-License-Identifier: EUPL-1.2
// Checks baton's verdicts against Ajv's, an independent JSON Schema 2020-12 validator, on every
// example form: the same catalogue and formats, the real baton binary with --json.
//
// usage: node tests/js/compare-ajv.mjs BATON SOURCE_DIR
// Fails (exit 1) on any disagreement, on no examples, and when 'npm ci' has not been run.

import { spawnSync } from "node:child_process";
import { exampleForms, newAjv, validatorFor } from "./ajv-setup.mjs";

const [baton, root] = process.argv.slice(2);
if (!baton || !root) {
    console.error("usage: node compare-ajv.mjs BATON SOURCE_DIR");
    process.exit(2);
}

let passed = 0;
let failed = 0;
const ok = (what) => { passed++; console.log(`ok - ${what}`); };
const notOk = (what, ...details) => {
    failed++;
    console.log(`FAIL - ${what}`);
    for (const d of details) console.log(`    ${d}`);
};

async function main() {
    const { ajv } = await newAjv(root, { allErrors: true });
    const forms = exampleForms(root);
    if (forms.length === 0) {
        notOk(`example forms exist in ${root}/forms/examples`);
        return;
    }

    const run = spawnSync(baton, ["validate", "--json", "--lang", "en", ...forms.map((f) => f.path)],
        { encoding: "utf8", maxBuffer: 64 << 20 });
    if (run.error || (run.status !== 0 && run.status !== 1)) {
        notOk("baton validate --json runs on the examples",
            `exit status ${run.status} ${run.error ?? ""}`, run.stderr);
        return;
    }
    let report;
    try {
        report = JSON.parse(run.stdout);
    } catch (e) {
        notOk("baton validate --json prints JSON", e.message, run.stdout.slice(0, 2000));
        return;
    }
    const byFile = new Map(report.map((r) => [r.file, r]));

    for (const form of forms) {
        const validate = validatorFor(ajv, form);
        const ajvValid = validate(form.json);
        const b = byFile.get(form.path);
        const what = `${form.expected ? "valid" : "invalid"}/${form.name}`;
        if (!b || typeof b.valid !== "boolean" || b.unusable) {
            notOk(`${what}: baton gives a verdict`, JSON.stringify(b));
            continue;
        }
        if (b.valid === ajvValid && ajvValid === form.expected) {
            ok(`${what}: baton and Ajv agree: ${ajvValid ? "valid" : "invalid"}`);
            continue;
        }
        notOk(`${what}: baton says ${b.valid ? "valid" : "invalid"}, Ajv says ` +
              `${ajvValid ? "valid" : "invalid"}, the folder says ${form.expected ? "valid" : "invalid"}`,
            ...(validate.errors ?? []).map((e) => `ajv:   ${e.instancePath || "(top level)"}: ${e.message} [${e.schemaPath}]`),
            ...(b.errors ?? []).map((e) => `baton: ${e.instanceLocation || "(top level)"}: ${e.error} [${e.keywordLocation}]`));
    }
    if (report.length !== forms.length)
        notOk(`baton reports on each of the ${forms.length} examples once (it reported ${report.length})`);
}

try {
    await main();
} catch (e) {
    notOk(e.message);
    if (e.exitCode === undefined) console.log(e.stack);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
