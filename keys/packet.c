/* SPDX-License-Identifier: EUPL-1.2 */
/* Packets: a form and its claims signed by the sender (JWS) and encrypted for the recipient (JWE),
 * and the checks that open one (keys/PACKETS.md section 9). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "keys_int.h"

#define FORM_PREFIX "urn:baton:form:"
/* A law or task named as the legal basis: an article and a law's title fit in far less. */
#define LAW_MAX 500
/* A form type is a catalogue "$id": short. */
#define FORM_TYPE_MAX 200

static const char *const packet_members[] = {
    "aud", "basis", "consent", "covenant", "form",    "form_type",
    "iat", "iss",   "jti",     "law",      "purpose", NULL,
};
static const char *const consent_members[] = {"id", NULL};
static const char *const covenant_members[] = {"id", "sha256", NULL};

const char *
keys_basis_name(enum keys_basis b)
{
    switch (b) {
    case KEYS_BASIS_CONSENT:
        return "consent";
    case KEYS_BASIS_LEGAL_OBLIGATION:
        return "legal-obligation";
    case KEYS_BASIS_PUBLIC_TASK:
        return "public-task";
    }
    return NULL;
}

int
keys_basis_from_name(const char *name, enum keys_basis *out)
{
    static const enum keys_basis all[] = {KEYS_BASIS_CONSENT, KEYS_BASIS_LEGAL_OBLIGATION,
                                          KEYS_BASIS_PUBLIC_TASK};
    size_t i;

    for (i = 0; name != NULL && i < sizeof all / sizeof all[0]; i++)
        if (strcmp(name, keys_basis_name(all[i])) == 0) {
            *out = all[i];
            return 1;
        }
    return 0;
}

/* ^[a-z][a-z0-9-]{1,63}$: the covenant's pattern for a purpose code. */
static int
purpose_ok(const char *s)
{
    size_t i;

    if (s[0] < 'a' || s[0] > 'z')
        return 0;
    for (i = 1; s[i] != '\0'; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-') ||
            i > 63)
            return 0;
    return i >= 2;
}

/* ^[a-z0-9][a-z0-9._-]{0,99}$: the covenant's pattern for its id. */
static int
covenant_id_ok(const char *s)
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
              (i > 0 && (s[i] == '.' || s[i] == '_' || s[i] == '-'))) ||
            i > 99)
            return 0;
    }
    return i >= 1;
}

/* A law's text: 1 to LAW_MAX bytes without control characters (it is shown to people). */
static int
law_ok(const char *s)
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || i >= LAW_MAX)
            return 0;
    return i >= 1;
}

/* The catalogue form that form_type names: a form ("urn:baton:form:..."), not the directory,
 * the covenant or a fragment of a schema. */
static enum keys_status
find_form_schema(const struct forms_catalogue *cat, const char *form_type, enum keys_status bad,
                 const struct forms_schema **out, struct keys_err *err)
{
    char q[KEYS_QUOTE_MAX + 4];

    if (strncmp(form_type, FORM_PREFIX, strlen(FORM_PREFIX)) != 0 ||
        strchr(form_type, '#') != NULL || strlen(form_type) > FORM_TYPE_MAX)
        return keys_fail(err, bad, "\"%s\" is not a form type; form types are \"%s...\"",
                         keys_quote(form_type, q), FORM_PREFIX);
    *out = forms_catalogue_find(cat, form_type);
    if (*out == NULL)
        return keys_fail(err, KEYS_ESCHEMA,
                         "form type \"%s\" is not in the form catalogue of this baton",
                         keys_quote(form_type, q));
    return KEYS_OK;
}

/* Validates form; KEYS_ESCHEMA with its first error (and how many there are). */
static enum keys_status
validate_form(const struct forms_schema *schema, const json_t *form, struct keys_err *err)
{
    struct forms_result res = {0, NULL};
    struct forms_err ferr = {0};
    enum forms_status fst;
    enum keys_status st;
    const struct forms_error *e;

    if (forms_valid(schema, form))
        return KEYS_OK;
    fst = forms_validate(schema, form, &res, &ferr);
    if (fst == FORMS_OK) {
        st = KEYS_OK;
    } else if (fst != FORMS_EINVALID || res.count == 0) {
        st = keys_fail(err, KEYS_ENOMEM, "the form could not be validated: %s", ferr.text);
    } else {
        e = &res.errors[0];
        st = keys_fail(err, KEYS_ESCHEMA, "the form is not a valid %s: %s: %s%s",
                       forms_schema_uri(schema),
                       e->instance_location[0] != '\0' ? e->instance_location : "(top level)",
                       e->message[FORMS_LANG_EN] != NULL ? e->message[FORMS_LANG_EN] : e->keyword,
                       res.count > 1 ? " (and more errors)" : "");
    }
    forms_result_clear(&res);
    return st;
}

/* The parameters of a seal, as keys/PACKETS.md 9.2 requires them. */
static enum keys_status
check_params(const char *from, const struct keys_packet_params *p, const char **form_type,
             struct keys_err *err)
{
    char q[KEYS_QUOTE_MAX + 4];

    if (from == NULL || !keys_is_oin(from))
        return keys_fail(err, KEYS_EINVAL, "the sender's OIN must be 20 digits");
    if (p->to == NULL || !keys_is_oin(p->to))
        return keys_fail(err, KEYS_EINVAL,
                         "the recipient (to) must be an OIN of 20 digits, not \"%s\"",
                         p->to != NULL ? keys_quote(p->to, q) : "");
    if (p->purpose == NULL || !purpose_ok(p->purpose))
        return keys_fail(err, KEYS_EINVAL,
                         "the purpose must be a covenant purpose code (a-z, 0-9 and '-', 2 to 64 "
                         "characters, starting with a letter), not \"%s\"",
                         p->purpose != NULL ? keys_quote(p->purpose, q) : "");
    if (keys_basis_name(p->basis) == NULL)
        return keys_fail(err, KEYS_EINVAL,
                         "the legal basis must be consent, legal-obligation or public-task");
    if (p->basis == KEYS_BASIS_CONSENT) {
        if (p->consent_id == NULL || !keys_is_uuid(p->consent_id, 0))
            return keys_fail(err, KEYS_EINVAL,
                             "with basis consent the packet must name the consent: its record_id, "
                             "a UUID");
        if (p->law != NULL)
            return keys_fail(err, KEYS_EINVAL,
                             "a law is named only with basis legal-obligation or public-task");
    } else {
        if (p->law == NULL || !law_ok(p->law))
            return keys_fail(err, KEYS_EINVAL,
                             "with basis %s the packet must name the law (or the task and the law "
                             "that gives it): 1 to %d bytes of text without control characters",
                             keys_basis_name(p->basis), LAW_MAX);
        if (p->consent_id != NULL)
            return keys_fail(err, KEYS_EINVAL,
                             "a consent is named only with basis consent, not with %s",
                             keys_basis_name(p->basis));
    }
    if (p->covenant_id == NULL || !covenant_id_ok(p->covenant_id) || p->covenant_sha256 == NULL)
        return keys_fail(err, KEYS_EINVAL,
                         "the packet must name the covenant it is sent under: its id and the "
                         "SHA-256 of its signed text");
    if (!json_is_object(p->form))
        return keys_fail(err, KEYS_EINVAL, "the form must be a JSON object");
    *form_type = json_string_value(json_object_get(p->form, "$schema"));
    if (*form_type == NULL)
        return keys_fail(err, KEYS_EINVAL,
                         "the form has no \"$schema\" naming its form type, such as "
                         "\"urn:baton:form:school-leaver-handover:1\"");
    return KEYS_OK;
}

/* The claims of keys/PACKETS.md 9.2, in a new object; the form is shared, not copied. */
static json_t *
make_claims(const char *id, const char *from, const char *form_type,
            const struct keys_packet_params *p, const char *covenant_digest, time_t now)
{
    json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:{s:s, s:s}, s:O}", "jti", id,
                          "iss", from, "aud", p->to, "iat", (json_int_t)now, "form_type", form_type,
                          "purpose", p->purpose, "basis", keys_basis_name(p->basis), "covenant",
                          "id", p->covenant_id, "sha256", covenant_digest, "form", p->form);

    if (c == NULL)
        return NULL;
    if ((p->law != NULL && json_object_set_new(c, "law", json_string(p->law)) != 0) ||
        (p->consent_id != NULL &&
         json_object_set_new(c, "consent", json_pack("{s:s}", "id", p->consent_id)) != 0)) {
        json_decref(c);
        return NULL;
    }
    return c;
}

enum keys_status
keys_packet_seal(const struct keys_sign_key *signer, const char *from,
                 const struct keys_pub *to_key, const struct forms_catalogue *cat,
                 const struct keys_packet_params *p, time_t now, char **out, size_t *out_len,
                 char id[KEYS_UUID_LEN + 1], struct keys_err *err)
{
    enum keys_status st;
    const struct forms_schema *schema = NULL;
    char pid[KEYS_UUID_LEN + 1], digest[KEYS_SHA256_B64_LEN + 1];
    const char *form_type = NULL;
    json_t *claims = NULL, *routing = NULL;
    char *jws = NULL;
    size_t jws_len = 0;

    if (signer == NULL || to_key == NULL || cat == NULL || p == NULL || out == NULL ||
        out_len == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_packet_seal: NULL argument");
    if (now < 0)
        return keys_fail(err, KEYS_EINVAL, "keys_packet_seal: time before 1970");
    st = check_params(from, p, &form_type, err);
    if (st != KEYS_OK)
        return st;
    st = find_form_schema(cat, form_type, KEYS_EINVAL, &schema, err);
    if (st != KEYS_OK)
        return st;
    /* The recipient refuses an invalid form; better to say so before anything leaves. */
    st = validate_form(schema, p->form, err);
    if (st != KEYS_OK)
        return st;
    st = keys_b64url_encode(p->covenant_sha256, KEYS_SHA256_LEN, digest, sizeof digest, err);
    if (st != KEYS_OK)
        return st;
    st = keys_new_uuid(pid, err);
    if (st != KEYS_OK)
        return st;

    claims = make_claims(pid, from, form_type, p, digest, now);
    /* RFC 7519 section 5.3: claims replicated in the header, where the JWE authenticates them and
     * a router (or the sender checking a receipt) reads them without the key. */
    routing = json_pack("{s:s, s:s, s:s, s:s, s:s}", "typ", KEYS_TYP_SEALED, "cty", KEYS_TYP_PACKET,
                        "jti", pid, "iss", from, "aud", p->to);
    if (claims == NULL || routing == NULL) {
        st = keys_fail(err, KEYS_ENOMEM, "out of memory for a packet's claims");
        goto out;
    }
    st = keys_claims_sign(signer, KEYS_TYP_PACKET, claims, &jws, &jws_len, err);
    if (st != KEYS_OK)
        goto out;
    st = keys_jwe_encrypt(to_key, routing, (const unsigned char *)jws, jws_len, out, out_len, err);
    if (st != KEYS_OK)
        goto out;
    if (id != NULL)
        memcpy(id, pid, sizeof pid);
out:
    if (jws != NULL) {
        sodium_memzero(jws, jws_len);
        free(jws);
    }
    json_decref(routing);
    json_decref(claims);
    return st;
}

/* The outer header, read without a key: form and profile, typ and cty, kid and routing. */
static enum keys_status
read_outer(const char *packet, size_t len, json_t **hdr_out, struct keys_part part[5],
           struct keys_err *err)
{
    char q[KEYS_QUOTE_MAX + 4];
    enum keys_status st;
    unsigned char *hbuf = NULL;
    size_t hlen = 0;
    json_t *hdr = NULL;
    const char *s;

    st = keys_compact_split(packet, len, 5, part, "packet (JWE)", err);
    if (st != KEYS_OK)
        return st;
    st = keys_b64url_decode_alloc(part[0].p, part[0].len, KEYS_MAX_HEADER, &hbuf, &hlen,
                                  "packet's protected header", err);
    if (st == KEYS_OK)
        st = keys_header_parse(hbuf, hlen, "packet's protected header", &hdr, err);
    free(hbuf);
    if (st != KEYS_OK)
        return st;
    st = keys_jwe_check_profile(hdr, err);
    if (st != KEYS_OK)
        goto out;
    s = json_string_value(json_object_get(hdr, "kid"));
    if (s == NULL || json_string_length(json_object_get(hdr, "kid")) != KEYS_KID_LEN ||
        strlen(s) != KEYS_KID_LEN) {
        st = keys_fail(err, KEYS_EKID,
                       "the packet's header has no kid naming the recipient's encryption key "
                       "(a %d-character thumbprint)",
                       KEYS_KID_LEN);
        goto out;
    }
    s = json_string_value(json_object_get(hdr, "typ"));
    if (s == NULL || strcmp(s, KEYS_TYP_SEALED) != 0) {
        st = keys_fail(err, KEYS_ETYP, "the JWE's typ is \"%s\", not \"%s\": this is not a packet",
                       s != NULL ? keys_quote(s, q) : "(none)", KEYS_TYP_SEALED);
        goto out;
    }
    s = json_string_value(json_object_get(hdr, "cty"));
    if (s == NULL || strcmp(s, KEYS_TYP_PACKET) != 0) {
        st = keys_fail(err, KEYS_ETYP,
                       "the packet's cty is \"%s\", not \"%s\": it does not hold signed claims",
                       s != NULL ? keys_quote(s, q) : "(none)", KEYS_TYP_PACKET);
        goto out;
    }
    *hdr_out = hdr;
    hdr = NULL;
out:
    json_decref(hdr);
    return st;
}

/* The routing members of the outer header, which keys_claims_parties checks as it does claims,
 * told as a header problem. */
static enum keys_status
outer_routing(const json_t *hdr, const char **jti, const char **iss, const char **aud,
              struct keys_err *err)
{
    enum keys_status st = keys_claims_parties(hdr, "packet's protected header", jti, iss, aud, err);

    if (st == KEYS_ECLAIMS) {
        st = KEYS_EHEADER;
        if (err != NULL)
            err->status = st;
    }
    return st;
}

enum keys_status
keys_packet_inspect(const char *packet, size_t len, struct keys_packet_header *out,
                    struct keys_err *err)
{
    enum keys_status st;
    struct keys_part part[5];
    unsigned char iv[KEYS_GCM_IV_BYTES + 3], tag[KEYS_GCM_TAG_BYTES + 3];
    unsigned char *ct = NULL;
    size_t n = 0, ctlen = 0;
    json_t *hdr = NULL;
    struct keys_packet_header h = {0};

    if (out == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_packet_inspect: NULL argument");
    st = read_outer(packet, len, &hdr, part, err);
    if (st != KEYS_OK)
        return st;
    st = outer_routing(hdr, &h.id, &h.from, &h.to, err);
    if (st != KEYS_OK)
        goto out;
    /* The other parts as keys_jwe_decrypt would read them, so that "well-formed" means it. */
    if (part[1].len != 0) {
        st = keys_fail(err, KEYS_EENCKEY,
                       "the JWE's encrypted key part is not empty; with ECDH-ES it must be");
        goto out;
    }
    st = keys_b64url_decode(part[2].p, part[2].len, iv, sizeof iv, &n, "JWE IV", err);
    if (st == KEYS_OK && n != KEYS_GCM_IV_BYTES)
        st = keys_fail(err, KEYS_EFORMAT, "the JWE IV must be %d bytes", KEYS_GCM_IV_BYTES);
    if (st == KEYS_OK)
        st = keys_b64url_decode(part[4].p, part[4].len, tag, sizeof tag, &n,
                                "JWE authentication tag", err);
    if (st == KEYS_OK && n != KEYS_GCM_TAG_BYTES)
        st = keys_fail(err, KEYS_EFORMAT, "the JWE authentication tag must be %d bytes",
                       KEYS_GCM_TAG_BYTES);
    if (st == KEYS_OK)
        st = keys_b64url_decode_alloc(part[3].p, part[3].len, KEYS_MAX_PACKET, &ct, &ctlen,
                                      "JWE ciphertext", err);
    if (st != KEYS_OK)
        goto out;
    h.kid = json_string_value(json_object_get(hdr, "kid"));
    h.ciphertext_len = ctlen;
    h.header = hdr;
    hdr = NULL;
    *out = h;
out:
    free(ct);
    json_decref(hdr);
    return st;
}

void
keys_packet_header_clear(struct keys_packet_header *h)
{
    if (h == NULL)
        return;
    json_decref(h->header);
    memset(h, 0, sizeof *h);
}

/* The members of keys/PACKETS.md 9.2 and their types, into p (pointers borrow claims). */
static enum keys_status
read_claims(const json_t *claims, struct keys_packet *p, struct keys_err *err)
{
    static const char what[] = "packet claims";
    char q[KEYS_QUOTE_MAX + 4];
    enum keys_status st;
    const json_t *consent, *covenant;
    const char *basis, *schema;

    st = keys_claims_only(claims, packet_members, what, err);
    if (st == KEYS_OK)
        st = keys_claims_parties(claims, what, &p->id, &p->from, &p->to, err);
    if (st == KEYS_OK)
        st = keys_claim_string(claims, "form_type", 1, what, &p->form_type, err);
    if (st == KEYS_OK)
        st = keys_claim_string(claims, "purpose", 1, what, &p->purpose, err);
    if (st == KEYS_OK)
        st = keys_claim_string(claims, "basis", 1, what, &basis, err);
    if (st == KEYS_OK)
        st = keys_claim_string(claims, "law", 0, what, &p->law, err);
    if (st != KEYS_OK)
        return st;
    if (!purpose_ok(p->purpose))
        return keys_fail(err, KEYS_ECLAIMS, "\"purpose\" \"%s\" is not a purpose code",
                         keys_quote(p->purpose, q));
    if (!keys_basis_from_name(basis, &p->basis))
        return keys_fail(err, KEYS_ECLAIMS,
                         "\"basis\" \"%s\" is not consent, legal-obligation or public-task",
                         keys_quote(basis, q));

    consent = json_object_get(claims, "consent");
    if (p->basis == KEYS_BASIS_CONSENT) {
        if (p->law != NULL)
            return keys_fail(err, KEYS_ECLAIMS,
                             "\"law\" belongs with basis legal-obligation or public-task, not with "
                             "consent");
        if (consent == NULL)
            return keys_fail(err, KEYS_ECLAIMS,
                             "basis consent, but the claims do not name the consent (\"consent\")");
        if (!json_is_object(consent))
            return keys_fail(err, KEYS_ECLAIMS, "\"consent\" must be an object with its \"id\"");
        st = keys_claims_only(consent, consent_members, "consent reference", err);
        if (st == KEYS_OK)
            st = keys_claim_string(consent, "id", 1, "consent reference", &p->consent_id, err);
        if (st != KEYS_OK)
            return st;
        if (!keys_is_uuid(p->consent_id, 0))
            return keys_fail(err, KEYS_ECLAIMS, "the consent's \"id\" \"%s\" is not a UUID",
                             keys_quote(p->consent_id, q));
    } else {
        if (consent != NULL)
            return keys_fail(err, KEYS_ECLAIMS, "\"consent\" belongs with basis consent, not %s",
                             basis);
        if (p->law == NULL)
            return keys_fail(err, KEYS_ECLAIMS, "basis %s, but the claims do not name the law",
                             basis);
        if (!law_ok(p->law))
            return keys_fail(err, KEYS_ECLAIMS,
                             "\"law\" must be 1 to %d bytes of text without control characters",
                             LAW_MAX);
    }

    covenant = json_object_get(claims, "covenant");
    if (!json_is_object(covenant))
        return keys_fail(err, KEYS_ECLAIMS,
                         "the claims lack \"covenant\", the object naming the covenant (id, "
                         "sha256) the packet was sent under");
    st = keys_claims_only(covenant, covenant_members, "covenant reference", err);
    if (st == KEYS_OK)
        st = keys_claim_string(covenant, "id", 1, "covenant reference", &p->covenant_id, err);
    if (st == KEYS_OK)
        st = keys_claim_digest(covenant, "sha256", "covenant reference", p->covenant_sha256, err);
    if (st != KEYS_OK)
        return st;
    if (!covenant_id_ok(p->covenant_id))
        return keys_fail(err, KEYS_ECLAIMS, "the covenant's \"id\" \"%s\" is not a covenant id",
                         keys_quote(p->covenant_id, q));

    p->form = json_object_get(claims, "form");
    if (!json_is_object(p->form))
        return keys_fail(err, KEYS_ECLAIMS, "the claims lack \"form\", a JSON object");
    schema = json_string_value(json_object_get(p->form, "$schema"));
    if (schema == NULL || strcmp(schema, p->form_type) != 0)
        return keys_fail(err, KEYS_ECLAIMS,
                         "the form's \"$schema\" (\"%s\") is not the claimed form_type",
                         schema != NULL ? keys_quote(schema, q) : "none");
    return KEYS_OK;
}

/* Tells that an outer routing member differs from its claim. */
static enum keys_status
routing_mismatch(const char *name, const char *outer, const char *inner, struct keys_err *err)
{
    char q1[KEYS_QUOTE_MAX + 4], q2[KEYS_QUOTE_MAX + 4];

    return keys_fail(err, KEYS_ECLAIMS,
                     "the packet's header says %s \"%s\" but its signed claims say \"%s\": the "
                     "packet was re-addressed after it was signed",
                     name, keys_quote(outer, q1), keys_quote(inner, q2));
}

enum keys_status
keys_packet_open(const struct keys_trust *trust, const char *us, const struct forms_catalogue *cat,
                 time_t now, const char *packet, size_t len, struct keys_packet *out,
                 struct keys_err *err)
{
    char q[KEYS_QUOTE_MAX + 4], q2[KEYS_QUOTE_MAX + 4];
    enum keys_status st;
    struct keys_part part[5];
    struct keys_jwe_opened o = {0};
    struct keys_signed sg = {0};
    struct keys_packet p = {0};
    const struct keys_enc_key *key;
    const struct forms_schema *schema = NULL;
    const char *kid, *o_id, *o_from, *o_to;
    json_t *hdr = NULL;

    if (trust == NULL || trust->enc_key == NULL || trust->signing_key == NULL || us == NULL ||
        cat == NULL || out == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_packet_open: NULL argument");
    if (!keys_is_oin(us))
        return keys_fail(err, KEYS_EINVAL, "keys_packet_open: our OIN must be 20 digits");

    /* 1. The outer JWE: form, profile and key, before any computation. */
    st = read_outer(packet, len, &hdr, part, err);
    if (st != KEYS_OK)
        return st;
    kid = json_string_value(json_object_get(hdr, "kid"));
    key = trust->enc_key(trust->ctx, kid);
    if (key == NULL) {
        st =
            keys_fail(err, KEYS_EKID,
                      "the packet is encrypted for key \"%s\", which is none of this "
                      "organisation's encryption keys: it was meant for someone else, or for a key "
                      "this keystore no longer has",
                      keys_quote(kid, q));
        goto out;
    }
    /* 2. Decryption authenticates the header, routing members included. */
    st = keys_jwe_decrypt(key, packet, len, &o, err);
    if (st != KEYS_OK)
        goto out;
    st = outer_routing(o.header, &o_id, &o_from, &o_to, err);
    if (st != KEYS_OK)
        goto out;
    if (strcmp(o_to, us) != 0) {
        st = keys_fail(err, KEYS_ENOTFORUS,
                       "the packet is addressed to %s, not to this organisation (%s)",
                       keys_quote(o_to, q), us);
        goto out;
    }
    /* 3. The signed claims inside, by a key valid when they say they were issued. */
    st = keys_claims_verify(trust, KEYS_TYP_PACKET, (const char *)o.plaintext, o.plaintext_len, now,
                            &sg, err);
    if (st != KEYS_OK)
        goto out;
    p.claims = sg.claims;
    sg.claims = NULL;
    p.issued_at = sg.iat;
    st = read_claims(p.claims, &p, err);
    if (st != KEYS_OK)
        goto out;
    /* 4. Who signed is who it says it is from; it is for us; the header agrees. */
    if (strcmp(p.from, sg.owner) != 0) {
        st = keys_fail(err, KEYS_EFROM,
                       "the packet says it is from %s, but it was signed with a key of %s",
                       keys_quote(p.from, q), keys_quote(sg.owner, q2));
        goto out;
    }
    if (strcmp(p.to, us) != 0) {
        st = keys_fail(err, KEYS_ENOTFORUS,
                       "the signed claims address the packet to %s, not to this organisation "
                       "(%s): it was opened and re-encrypted by someone else",
                       keys_quote(p.to, q), us);
        goto out;
    }
    if (strcmp(o_id, p.id) != 0)
        st = routing_mismatch("jti (packet id)", o_id, p.id, err);
    else if (strcmp(o_from, p.from) != 0)
        st = routing_mismatch("iss (from)", o_from, p.from, err);
    else if (strcmp(o_to, p.to) != 0)
        st = routing_mismatch("aud (to)", o_to, p.to, err);
    if (st != KEYS_OK)
        goto out;
    st = keys_claims_not_future(p.issued_at, now, "packet", err);
    if (st != KEYS_OK)
        goto out;
    /* 5. The form, against the catalogue of the one who reads it. */
    st = find_form_schema(cat, p.form_type, KEYS_ECLAIMS, &schema, err);
    if (st == KEYS_OK)
        st = validate_form(schema, p.form, err);
    if (st != KEYS_OK)
        goto out;

    memcpy(p.signer_kid, sg.kid, sizeof p.signer_kid);
    memcpy(p.enc_kid, kid, KEYS_KID_LEN + 1);
    crypto_hash_sha256(p.sha256, (const unsigned char *)packet, len);
    *out = p;
    memset(&p, 0, sizeof p);
out:
    keys_packet_clear(&p);
    keys_signed_clear(&sg);
    keys_jwe_opened_clear(&o);
    json_decref(hdr);
    return st;
}

void
keys_packet_clear(struct keys_packet *p)
{
    if (p == NULL)
        return;
    json_decref(p->claims);
    memset(p, 0, sizeof *p);
}
