// SPDX-License-Identifier: EUPL-1.2
// The baseline for tests/bench/run.sh: Ajv validating the example forms, compiled once and
// already parsed, for the same wall time as bench_validate, printed in the same format.
//
// usage: node tests/bench/ajv-bench.mjs SOURCE_DIR [SECONDS]
// Prints "ajv verdict BEST MEAN FORMS SECONDS" (first error only, every example) and
// "ajv errors BEST MEAN FORMS SECONDS" (all errors, the invalid examples): forms per second in
// the best of SLICES equal slices of the time, and over all of it, as bench_validate does.

import { exampleForms, newAjv, validatorFor } from "../js/ajv-setup.mjs";

const [root, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 2.5);
const WARMUP_SECONDS = 0.2; // lets V8 optimise the generated code before the clock starts
const SLICES = 10;          // the best slice is the validator's own speed on a shared machine

function measure(cases, seconds) {
    const start = process.hrtime.bigint();
    const slice = BigInt(Math.round((seconds / SLICES) * 1e9));
    let best = 0;
    let total = 0;
    let wrong = 0;
    for (let i = 0; i < SLICES; i++) {
        const sliceStart = process.hrtime.bigint();
        let done = 0;
        let t;
        do {
            for (const c of cases) {
                if (c.validate(c.json) !== c.expected) wrong++;
            }
            done += cases.length;
            t = process.hrtime.bigint();
        } while (t - sliceStart < slice);
        best = Math.max(best, done / (Number(t - sliceStart) / 1e9));
        total += done;
    }
    if (wrong !== 0) throw new Error("Ajv changed its verdict between runs");
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    return { best, mean: total / elapsed, elapsed };
}

const line = (kind, r, n) =>
    console.log(`ajv ${kind} ${r.best.toFixed(1)} ${r.mean.toFixed(1)} ${n} ${r.elapsed.toFixed(3)}`);

async function main() {
    if (!root || !(seconds > 0)) {
        console.error("usage: node ajv-bench.mjs SOURCE_DIR [SECONDS]");
        process.exit(2);
    }
    const first = (await newAjv(root, { allErrors: false })).ajv;
    const all = (await newAjv(root, { allErrors: true })).ajv;
    const forms = exampleForms(root);
    const verdict = forms.map((f) => ({ ...f, validate: validatorFor(first, f) }));
    const errors = forms.filter((f) => !f.expected).map((f) => ({ ...f, validate: validatorFor(all, f) }));
    for (const c of [...verdict, ...errors]) {
        if (c.validate(c.json) !== c.expected)
            throw new Error(`${c.path}: expected ${c.expected ? "valid" : "invalid"}, Ajv says otherwise`);
    }
    if (verdict.length === 0 || errors.length === 0)
        throw new Error(`no valid or no invalid forms in ${root}/forms/examples`);

    measure(verdict, WARMUP_SECONDS);
    line("verdict", measure(verdict, seconds), verdict.length);
    measure(errors, WARMUP_SECONDS);
    line("errors", measure(errors, seconds), errors.length);
}

try {
    await main();
} catch (e) {
    console.error(`ajv-bench: ${e.message}`);
    process.exit(1);
}
