// SPDX-License-Identifier: EUPL-1.2
// baton's packets and receipts against an independent JOSE implementation, the npm package jose:
// what the real baton binary seals and signs, jose decrypts and verifies; what jose seals and
// signs with the same claims and headers, baton opens and verifies; and packets that jose forges
// (foreign algorithms, re-addressed, re-encrypted, signed by the wrong party), baton refuses.
//
// usage: node tests/js/interop-jose.mjs BATON SOURCE_DIR
// The network is made as people make it: 'baton keygen' for the coordinator, a school (A) and a
// municipality (B), and a fourth member J whose keys jose generates (its private JWKs never leave
// this test). Fails (exit 1) on any disagreement, and when 'npm ci' has not been run in tests/js.

import { spawnSync } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [baton, root] = process.argv.slice(2);
if (!baton || !root) {
    console.error("usage: node interop-jose.mjs BATON SOURCE_DIR");
    process.exit(2);
}

let jose;
try {
    jose = await import("jose");
} catch (e) {
    console.error(`interop-jose: the npm package jose is not installed: run npm ci in tests/js (${e.message})`);
    process.exit(1);
}

let passed = 0;
let failed = 0;
const ok = (what) => { passed++; console.log(`ok - ${what}`); };
const notOk = (what, ...details) => {
    failed++;
    console.log(`FAIL - ${what}`);
    for (const d of details) console.log(`    ${String(d).slice(0, 3000)}`);
};
const check = (cond, what, ...details) => (cond ? ok(what) : notOk(what, ...details));

const OIN = {
    coord: "00000001001234567002",
    a: "00000001812345671000",
    b: "00000001001234567000",
    j: "00000003123456780000",
};
const CONSENT = "6d2f4c1e-8a3b-4f0d-9c7e-1b5a2e3d4f60";
const enc = new TextEncoder();
const dec = new TextDecoder();
const b64url = (buf) => Buffer.from(buf).toString("base64url");
const sha256 = (data) => createHash("sha256").update(data).digest();
const T = mkdtempSync(join(tmpdir(), "baton-jose-"));
const path = (name) => join(T, name);

const env = {
    ...process.env,
    BATON_DIRECTORY: path("directory.jws"),
    BATON_COORDINATOR: path("coord/entry.json"),
    BATON_COVENANT: path("covenant.jws"),
    // Sanitizer reports must not pass as baton's own exit status 1.
    ASAN_OPTIONS: [process.env.ASAN_OPTIONS, "exitcode=86"].filter(Boolean).join(":"),
    UBSAN_OPTIONS: [process.env.UBSAN_OPTIONS, "exitcode=86:print_stacktrace=1"].filter(Boolean).join(":"),
};
delete env.BATON_PASSPHRASE;
delete env.BATON_KEYSTORE;

function run(args) {
    const r = spawnSync(baton, args, { env, encoding: "utf8", maxBuffer: 64 << 20 });
    if (r.error) throw r.error;
    if (/Sanitizer|runtime error:/.test(r.stderr)) notOk(`no sanitizer report from baton ${args.join(" ")}`, r.stderr);
    return r;
}

// Runs baton and requires exit status want; returns the result.
function expectRun(what, args, want, says) {
    const r = run(args);
    const good = r.status === want && (says === undefined || r.stderr.includes(says));
    check(good, what, `baton ${args.join(" ")}`, `exit ${r.status}, expected ${want}`,
        says !== undefined ? `stderr should say: ${says}` : "", `stdout: ${r.stdout}`, `stderr: ${r.stderr}`);
    return r;
}

const entry = (who) => JSON.parse(readFileSync(path(`${who}/entry.json`), "utf8"));
const keyOf = (e, use) => e.jwks.keys.find((k) => k.use === use);

async function setup() {
    for (const [who, role] of [["coord", "coordinator"], ["a", "school"], ["b", "municipality"]]) {
        const r = run(["keygen", "--org", OIN[who], "--name", `Org ${who}`, "--role", role,
            "--endpoint", `https://${who}.example`, "--out", path(who)]);
        if (r.status !== 0) throw new Error(`keygen ${who}: ${r.stderr}`);
    }
    // J: keys made by jose.
    const now = new Date();
    const from = new Date(now.getTime() - 86400e3).toISOString().replace(/\.\d+Z$/, "Z");
    const until = new Date(now.getTime() + 365 * 86400e3).toISOString().replace(/\.\d+Z$/, "Z");
    const sig = await jose.generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const x = await jose.generateKeyPair("ECDH-ES", { crv: "X25519", extractable: true });
    const pub = async (key, alg, use) => {
        const jwk = await jose.exportJWK(key);
        return { ...jwk, kid: await jose.calculateJwkThumbprint(jwk, "sha256"), alg, use,
            validFrom: from, validUntil: until };
    };
    const j = {
        sig, x,
        sigJwk: await pub(sig.publicKey, "EdDSA", "sig"),
        encJwk: await pub(x.publicKey, "ECDH-ES", "enc"),
    };
    const jEntry = {
        oin: OIN.j, name: "Jobcoach J (jose)", role: "jobcoach", endpoint: "https://j.example",
        jwks: { keys: [j.sigJwk, j.encJwk] },
        tls_pin: `sha256//${randomBytes(32).toString("base64")}`,
    };
    const iso = (d) => d.toISOString().replace(/\.\d+Z$/, "Z");
    const directory = {
        $schema: "urn:baton:directory:1", version: 1, issued: iso(now),
        expires: iso(new Date(now.getTime() + 30 * 86400e3)),
        organisations: [entry("coord"), entry("a"), entry("b"), jEntry],
    };
    writeFileSync(path("directory.json"), JSON.stringify(directory, null, 2));
    for (const [kind, src, out] of [["directory", path("directory.json"), path("directory.jws")],
        ["covenant", join(root, "forms/examples/valid/covenant.json"), path("covenant.jws")]]) {
        const r = run([kind, "sign", "--keystore", path("coord/keystore"), "-o", out, src]);
        if (r.status !== 0) throw new Error(`${kind} sign: ${r.stderr}`);
    }
    return j;
}

const form = JSON.parse(readFileSync(join(root, "forms/examples/valid/school-leaver-handover.json"), "utf8"));
const covenantRef = () => ({
    id: "netwerk-lindeveld",
    sha256: b64url(sha256(readFileSync(path("covenant.jws"), "utf8").trim())),
});

// The claims and headers baton writes, built by jose; over: fields to change.
function claims(from, to, over = {}) {
    return {
        jti: randomUUID(), iss: from, aud: to, iat: Math.floor(Date.now() / 1000),
        form_type: form.$schema, purpose: "warme-overdracht", basis: "consent",
        consent: { id: CONSENT }, covenant: covenantRef(), form, ...over,
    };
}

async function joseSign(j, typ, payload, header = {}) {
    return new jose.CompactSign(enc.encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: "EdDSA", kid: j.sigJwk.kid, typ, ...header })
        .sign(j.sig.privateKey);
}

async function joseSeal(toEncJwk, inner, routing, header = {}) {
    const key = await jose.importJWK({ kty: "OKP", crv: "X25519", x: toEncJwk.x }, "ECDH-ES");
    return new jose.CompactEncrypt(enc.encode(inner))
        .setProtectedHeader({ alg: "ECDH-ES", enc: "A256GCM", kid: toEncJwk.kid,
            typ: "baton-packet+jwe", cty: "baton-packet+jws", ...routing, ...header })
        .encrypt(key);
}

const routingOf = (c) => ({ jti: c.jti, iss: c.iss, aud: c.aud });
const openB = (file, ...more) => ["open", "--keystore", path("b/keystore"), ...more, file];

async function batonToJose(j) {
    // A seals for J with baton; jose decrypts as J and verifies A's signature.
    expectRun("baton seals a handover for J", ["seal", "--keystore", path("a/keystore"), "--to", OIN.j,
        "--purpose", "warme-overdracht", "--basis", "consent", "--consent", CONSENT,
        "-o", path("a-to-j.packet"), join(root, "forms/examples/valid/school-leaver-handover.json")], 0);
    const packet = readFileSync(path("a-to-j.packet"), "utf8").trim();
    let d;
    try {
        d = await jose.compactDecrypt(packet, j.x.privateKey);
        ok("jose decrypts baton's packet with J's private X25519 key (compactDecrypt)");
    } catch (e) {
        notOk("jose decrypts baton's packet", e.message);
        return null;
    }
    const h = d.protectedHeader;
    check(h.alg === "ECDH-ES" && h.enc === "A256GCM" && h.kid === j.encJwk.kid && h.epk?.crv === "X25519",
        "the packet's header is ECDH-ES/A256GCM with X25519 epk and J's kid", JSON.stringify(h));
    check(h.typ === "baton-packet+jwe" && h.cty === "baton-packet+jws" && h.iss === OIN.a && h.aud === OIN.j,
        "the packet's header routes it from A to J", JSON.stringify(h));
    const aSig = await jose.importJWK(keyOf(entry("a"), "sig"), "EdDSA");
    const inner = dec.decode(d.plaintext);
    try {
        const v = await jose.compactVerify(inner, aSig);
        const c = JSON.parse(dec.decode(v.payload));
        ok("jose verifies the inner JWS with A's public Ed25519 key (compactVerify)");
        check(v.protectedHeader.alg === "EdDSA" && v.protectedHeader.typ === "baton-packet+jws" &&
            v.protectedHeader.kid === keyOf(entry("a"), "sig").kid, "the inner header is EdDSA, typ and kid",
            JSON.stringify(v.protectedHeader));
        check(c.jti === h.jti && c.iss === OIN.a && c.aud === OIN.j && Number.isInteger(c.iat) &&
            c.form_type === form.$schema && c.basis === "consent" && c.consent.id === CONSENT &&
            c.covenant.id === "netwerk-lindeveld" && c.covenant.sha256 === covenantRef().sha256 &&
            JSON.stringify(c.form) === JSON.stringify(JSON.parse(JSON.stringify(c.form))) &&
            c.form.young_person.first_name === form.young_person.first_name,
            "the claims are what baton's spec says", JSON.stringify({ ...c, form: "..." }));
        const jwt = await jose.jwtVerify(inner, aSig, { typ: "baton-packet+jws", issuer: OIN.a, audience: OIN.j });
        check(jwt.payload.jti === h.jti, "the claims are valid JWT claims for jose (jwtVerify: typ, iss, aud, iat)");
    } catch (e) {
        notOk("jose verifies the inner JWS", e.message);
    }
    return packet;
}

async function joseToBaton(j) {
    const c = claims(OIN.j, OIN.b);
    const bEnc = keyOf(entry("b"), "enc");
    const packet = await joseSeal(bEnc, await joseSign(j, "baton-packet+jws", c), routingOf(c));
    writeFileSync(path("j-to-b.packet"), packet);
    const r = expectRun("baton opens a packet that jose sealed (CompactSign EdDSA + CompactEncrypt ECDH-ES/A256GCM)",
        openB(path("j-to-b.packet"), "--json", "--receipt", path("j-to-b.receipt")), 0);
    if (r.status === 0) {
        const got = JSON.parse(r.stdout);
        check(JSON.stringify(got) === JSON.stringify(c), "baton's verified claims are jose's claims",
            r.stdout.slice(0, 500));
    }
    const human = expectRun("baton open shows jose's packet with labels", openB(path("j-to-b.packet"), "--lang", "en"), 0);
    check(human.stdout.includes("Jobcoach J (jose)") && human.stdout.includes("First name: Milan"),
        "the shown packet names the sender and labels the form", human.stdout.slice(0, 800));

    // baton's receipt, verified by jose as J would.
    try {
        const receipt = readFileSync(path("j-to-b.receipt"), "utf8").trim();
        const bSig = await jose.importJWK(keyOf(entry("b"), "sig"), "EdDSA");
        const v = await jose.compactVerify(receipt, bSig);
        const rc = JSON.parse(dec.decode(v.payload));
        check(v.protectedHeader.typ === "baton-receipt+jws" && rc.iss === OIN.b && rc.aud === OIN.j &&
            rc.packet.id === c.jti && rc.packet.sha256 === b64url(sha256(packet)) && Number.isInteger(rc.iat),
            "jose verifies baton's receipt: B's signature, the packet's id and SHA-256, the parties",
            JSON.stringify(v.protectedHeader), JSON.stringify(rc));
    } catch (e) {
        notOk("jose verifies baton's receipt", e.message);
    }
}

async function joseReceipt(j, packet) {
    // J confirms A's packet with a receipt made by jose; baton checks it as A would.
    const hdr = jose.decodeProtectedHeader(packet);
    const receipt = await joseSign(j, "baton-receipt+jws", {
        jti: randomUUID(), iss: OIN.j, aud: OIN.a, iat: Math.floor(Date.now() / 1000),
        packet: { id: hdr.jti, sha256: b64url(sha256(packet)) },
    });
    writeFileSync(path("j.receipt"), receipt);
    expectRun("baton verifies a receipt that jose signed", ["receipt", "verify", path("j.receipt"), path("a-to-j.packet")], 0);
    const wrong = await joseSign(j, "baton-receipt+jws", {
        jti: randomUUID(), iss: OIN.j, aud: OIN.a, iat: Math.floor(Date.now() / 1000),
        packet: { id: hdr.jti, sha256: b64url(sha256(packet + "x")) },
    });
    writeFileSync(path("j-wrong.receipt"), wrong);
    expectRun("baton refuses jose's receipt over other bytes", ["receipt", "verify", path("j-wrong.receipt"),
        path("a-to-j.packet")], 1, "other bytes");
    const asPacket = await joseSign(j, "baton-packet+jws", {
        jti: randomUUID(), iss: OIN.j, aud: OIN.a, iat: Math.floor(Date.now() / 1000),
        packet: { id: hdr.jti, sha256: b64url(sha256(packet)) },
    });
    writeFileSync(path("j-typ.receipt"), asPacket);
    expectRun("baton refuses a receipt with a packet's typ", ["receipt", "verify", path("j-typ.receipt"),
        path("a-to-j.packet")], 1, "baton-packet+jws");
}

async function forgeries(j, aToJ) {
    const bEnc = keyOf(entry("b"), "enc");
    const cases = [];
    const add = async (what, packetPromise, says) => cases.push([what, await packetPromise, says]);

    let c = claims(OIN.j, OIN.b);
    const good = await joseSign(j, "baton-packet+jws", c);
    await add("enc A128GCM", joseSeal(bEnc, good, routingOf(c), { enc: "A128GCM" }), "A128GCM");
    {
        const key = await jose.importJWK({ kty: "OKP", crv: "X25519", x: bEnc.x }, "ECDH-ES+A256KW");
        await add("alg ECDH-ES+A256KW", new jose.CompactEncrypt(enc.encode(good))
            .setProtectedHeader({ alg: "ECDH-ES+A256KW", enc: "A256GCM", kid: bEnc.kid, typ: "baton-packet+jwe",
                cty: "baton-packet+jws", ...routingOf(c) }).encrypt(key), "ECDH-ES+A256KW");
    }
    {
        const other = await jose.generateKeyPair("ECDH-ES", { crv: "X25519", extractable: true });
        const ojwk = await jose.exportJWK(other.publicKey);
        await add("encrypted for a key B does not have", joseSeal({ ...ojwk, kid: await jose.calculateJwkThumbprint(ojwk) },
            good, routingOf(c)), "none of this organisation's encryption keys");
    }
    await add("outer header with another packet id", joseSeal(bEnc, good, { ...routingOf(c), jti: randomUUID() }), "re-addressed");
    await add("outer header with another sender", joseSeal(bEnc, good, { ...routingOf(c), iss: OIN.a }), "re-addressed");
    await add("outer header for another organisation", joseSeal(bEnc, good, { ...routingOf(c), aud: OIN.a }), "not to this organisation");
    await add("outer typ missing", joseSeal(bEnc, good, routingOf(c), { typ: undefined }), "not a packet");
    c = claims(OIN.a, OIN.b);
    await add("J signs claims that say they are from A", joseSeal(bEnc, await joseSign(j, "baton-packet+jws", c), routingOf(c)),
        "signed with a key of " + OIN.j);
    c = claims(OIN.j, OIN.b);
    await add("a receipt sealed as a packet", joseSeal(bEnc, await joseSign(j, "baton-receipt+jws", c), routingOf(c)),
        "baton-receipt+jws");
    {
        const stranger = await jose.generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
        const sjwk = await jose.exportJWK(stranger.publicKey);
        const jws = await new jose.CompactSign(enc.encode(JSON.stringify(c)))
            .setProtectedHeader({ alg: "EdDSA", kid: await jose.calculateJwkThumbprint(sjwk), typ: "baton-packet+jws" })
            .sign(stranger.privateKey);
        await add("signed by a key outside the directory", joseSeal(bEnc, jws, routingOf(c)), "no organisation in the directory");
    }
    await add("claims with a form that is not valid", joseSeal(bEnc, await joseSign(j, "baton-packet+jws",
        { ...c, form: { ...form, remarks: "free text" } }), routingOf(c)), "/remarks");
    await add("iat as an RFC 3339 string", joseSeal(bEnc, await joseSign(j, "baton-packet+jws",
        { ...c, iat: new Date().toISOString() }), routingOf(c)), "integer");
    if (aToJ) {
        // J opened A's packet (meant for J) and re-encrypts A's signed claims for B.
        const d = await jose.compactDecrypt(aToJ, j.x.privateKey);
        const h = d.protectedHeader;
        await add("A's packet for J, re-encrypted for B by J", joseSeal(bEnc, dec.decode(d.plaintext),
            { jti: h.jti, iss: h.iss, aud: OIN.b }), "re-encrypted");
    }

    for (const [what, packet, says] of cases) {
        const file = path("forged.packet");
        writeFileSync(file, packet);
        expectRun(`baton refuses a jose-made packet: ${what}`, openB(file), 1, says);
    }
}

try {
    const j = await setup();
    const aToJ = await batonToJose(j);
    await joseToBaton(j);
    if (aToJ) await joseReceipt(j, aToJ);
    await forgeries(j, aToJ);
} catch (e) {
    notOk("the interop test runs to its end", e.stack);
} finally {
    rmSync(T, { recursive: true, force: true });
}
console.log(`jose ${JSON.parse(readFileSync(join(root, "tests/js/node_modules/jose/package.json"), "utf8")).version}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
