// SPDX-License-Identifier: EUPL-1.2
// Ajv set up as baton's independent second opinion: the same catalogue, the same formats, the
// same example forms. Shared by tests/js/compare-ajv.mjs and tests/bench/ajv-bench.mjs.

import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

// A missing 'npm ci' must fail loudly: a comparison that compared nothing is no comparison.
async function importOrExplain(name) {
    try {
        return (await import(name)).default;
    } catch (e) {
        const err = new Error(
            `cannot load ${name} (${e.code ?? e.message}): run npm ci in tests/js`);
        err.exitCode = 2;
        throw err;
    }
}

// baton's own formats, as forms/format.c defines them: bsn passes the eleven-test and is not all
// zeros, oin is 20 digits, postcode is Dutch "1234 AB" (the space optional, the first digit never
// 0, the letters upper case and never SA, SD or SS).
export function bsnValid(s) {
    if (!/^[0-9]{9}$/.test(s)) return false;
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += (9 - i) * (s.charCodeAt(i) - 48);
    sum -= s.charCodeAt(8) - 48;
    return sum % 11 === 0 && s !== "000000000";
}

export const batonFormats = {
    bsn: bsnValid,
    oin: /^[0-9]{20}$/,
    postcode: /^[1-9][0-9]{3} ?(?!S[ADS])[A-Z]{2}$/,
};

// Every key starting with "x-" in the schemas: baton's annotations (labels, data categories).
function annotationKeywords(node, found = new Set()) {
    if (Array.isArray(node)) {
        for (const v of node) annotationKeywords(v, found);
    } else if (node !== null && typeof node === "object") {
        for (const [k, v] of Object.entries(node)) {
            if (k.startsWith("x-")) found.add(k);
            annotationKeywords(v, found);
        }
    }
    return found;
}

export function readJsonFiles(dir) {
    return readdirSync(dir)
        .filter((n) => n.endsWith(".json") && n !== "expected.json")
        .sort()
        .map((n) => ({ name: n, path: join(dir, n), json: JSON.parse(readFileSync(join(dir, n), "utf8")) }));
}

// A new Ajv with baton's catalogue from root/forms/catalogue. allErrors: collect every error
// (like forms_validate) or stop at the first (like forms_valid).
export async function newAjv(root, { allErrors }) {
    const Ajv2020 = await importOrExplain("ajv/dist/2020.js");
    const addFormats = await importOrExplain("ajv-formats");
    const ajv = new Ajv2020({
        allErrors,
        strictSchema: true,    // an unknown keyword or format in the catalogue is an error
        strictNumbers: true,
        strictTypes: false,    // these three judge a schema's style, not its meaning
        strictTuples: false,
        strictRequired: false,
        allowUnionTypes: true,
        validateFormats: true, // baton validates with format assertion on
    });
    addFormats(ajv, { mode: "full", formats: ["date", "time", "date-time", "email", "uuid"] });
    for (const [name, check] of Object.entries(batonFormats))
        ajv.addFormat(name, check);
    const schemas = readJsonFiles(join(root, "forms", "catalogue"));
    const keywords = new Set(["x-en", "x-category"]);
    for (const s of schemas) annotationKeywords(s.json, keywords);
    for (const k of keywords) ajv.addKeyword({ keyword: k });
    for (const s of schemas) ajv.addSchema(s.json);
    return { ajv, schemas };
}

// The example forms: valid/ and invalid/, each with what its folder promises.
export function exampleForms(root) {
    const dir = join(root, "forms", "examples");
    return [
        ...readJsonFiles(join(dir, "valid")).map((f) => ({ ...f, expected: true })),
        ...readJsonFiles(join(dir, "invalid")).map((f) => ({ ...f, expected: false })),
    ];
}

// The compiled validator for the schema a form names in "$schema".
export function validatorFor(ajv, form) {
    const id = form.json?.$schema;
    const v = typeof id === "string" ? ajv.getSchema(id) : undefined;
    if (!v) throw new Error(`${form.path}: Ajv has no schema "${id}"`);
    return v;
}
