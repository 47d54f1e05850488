/* SPDX-License-Identifier: EUPL-1.2 */
/* Error messages in Dutch and English for the school employee who filled in the form: each names
 * the field by its label from the schema ("title", and "x-en"."title" in English) and says what
 * to change, never showing the value itself (it may be a BSN). */
#include <string.h>

#include "forms_int.h"

/* Enough allowed values to choose from; a longer list is cut with "and N more". */
#define ENUM_SHOW_MAX 20
/* One enum value or limit as shown in a message. */
#define VALUE_SHOW_MAX 80
/* How far the search for a missing property's label follows in-place applicators. */
#define LABEL_SEARCH_DEPTH 4

#define EN FORMS_LANG_EN
#define NL FORMS_LANG_NL

/* A node's label in lang: its own title, or that of the schema it refers to. English falls back
 * to the Dutch title, which is better than no label. */
static const char *
node_title(const struct forms_schema *n, enum forms_lang lang)
{
    int hops;

    for (hops = 0; n != NULL && hops < 8; hops++, n = n->ref.node) {
        if (n->kind != NODE_SCHEMA)
            return NULL;
        if (n->title[lang] != NULL)
            return n->title[lang];
        if (n->title[NL] != NULL)
            return n->title[NL];
    }
    return NULL;
}

/* The frame through which evaluation entered f's instance (or the root frame). */
static const struct frame *
group_entry(const struct frame *f)
{
    while (f->up != NULL && f->seg == SEG_NONE)
        f = f->up;
    return f;
}

/* The label of f's instance: the outermost title among the schemas applied to it, which is the
 * one where the form declares the field (a shared definition's title is more generic). */
static const char *
group_title(const struct frame *f, enum forms_lang lang)
{
    const char *t = NULL;

    for (;;) {
        const char *x = node_title(f->node, lang);

        if (x != NULL)
            t = x;
        if (f->up == NULL || f->seg != SEG_NONE)
            break;
        f = f->up;
    }
    return t;
}

static void
put_quoted(struct sb *b, const char *s, size_t n)
{
    forms_sb_putc(b, '"');
    forms_sb_putn(b, s, n);
    forms_sb_putc(b, '"');
}

/* Where a field sits, for a field inside the instance of frame p: " (in "Address")" or
 * " (entry 2 of "Diplomas")". Nothing at the top of the form. */
static void
put_context_in(struct sb *b, const struct frame *p, enum forms_lang lang)
{
    const struct frame *e = group_entry(p);
    const char *t;

    if (e->up == NULL)
        return;
    if (e->seg == SEG_INDEX) {
        t = group_title(e->up, lang);
        forms_sb_puts(b, lang == EN ? " (entry " : " (item ");
        forms_sb_put_size(b, e->index + 1);
        if (t != NULL) {
            forms_sb_puts(b, lang == EN ? " of " : " van ");
            put_quoted(b, t, strlen(t));
        }
        forms_sb_putc(b, ')');
        return;
    }
    t = group_title(p, lang);
    if (t != NULL) {
        forms_sb_puts(b, " (in ");
        put_quoted(b, t, strlen(t));
        forms_sb_putc(b, ')');
    }
}

static const char *declared_title(const struct frame *f, const char *name, size_t len,
                                  enum forms_lang lang);

/* The context of f's own instance: where it sits in the form. */
static void
put_own_context(struct sb *b, const struct frame *f, enum forms_lang lang)
{
    const struct frame *e = group_entry(f);

    if (e->up == NULL)
        return;
    if (e->seg == SEG_INDEX)
        put_context_in(b, f, lang);
    else
        put_context_in(b, e->up, lang);
}

/* The label of f's instance with its context. start: at the start of a sentence. */
static void
put_label(struct sb *b, const struct frame *f, enum forms_lang lang, bool start)
{
    const struct frame *e = group_entry(f);
    const char *t = group_title(f, lang);

    /* Evaluated through a schema without a title (a "then", say): the title is where the
     * object declares the field. */
    if (t == NULL && e->up != NULL && e->seg == SEG_KEY)
        t = declared_title(e->up, e->key, e->keylen, lang);
    if (t != NULL) {
        put_quoted(b, t, strlen(t));
        put_own_context(b, f, lang);
        return;
    }
    if (e->up == NULL) {
        if (lang == EN)
            forms_sb_puts(b, start ? "The form" : "the form");
        else
            forms_sb_puts(b, start ? "Het formulier" : "het formulier");
        return;
    }
    /* an untitled entry of a titled list: "Entry 4 of "Data categories"" */
    if (e->seg == SEG_INDEX && (t = group_title(e->up, lang)) != NULL) {
        static const char *const entry[2][FORMS_LANG_COUNT] = {{"item ", "entry "},
                                                               {"Item ", "Entry "}};

        forms_sb_puts(b, entry[start][lang]);
        forms_sb_put_size(b, e->index + 1);
        forms_sb_puts(b, lang == EN ? " of " : " van ");
        put_quoted(b, t, strlen(t));
        put_own_context(b, e->up, lang);
        return;
    }
    /* no label anywhere: the JSON Pointer says exactly where */
    forms_sb_putc(b, '"');
    forms_put_instance(b, f);
    forms_sb_putc(b, '"');
}

/* The schema of property name as some schema applied to the object declares it. */
static const struct forms_schema *
find_prop(const struct forms_schema *n, const char *name, size_t len, int depth)
{
    const struct forms_schema *r;
    const struct prop *p;
    size_t i;

    if (n == NULL || n->kind != NODE_SCHEMA || depth < 0)
        return NULL;
    p = forms_prop_find(n, name, len);
    if (p != NULL)
        return p->s.node;
    if ((r = find_prop(n->ref.node, name, len, depth - 1)) != NULL)
        return r;
    for (i = 0; i < n->n_all; i++)
        if ((r = find_prop(n->all_of[i].node, name, len, depth - 1)) != NULL)
            return r;
    for (i = 0; i < n->n_any; i++)
        if ((r = find_prop(n->any_of[i].node, name, len, depth - 1)) != NULL)
            return r;
    for (i = 0; i < n->n_one; i++)
        if ((r = find_prop(n->one_of[i].node, name, len, depth - 1)) != NULL)
            return r;
    if ((r = find_prop(n->then_.node, name, len, depth - 1)) != NULL)
        return r;
    if ((r = find_prop(n->else_.node, name, len, depth - 1)) != NULL)
        return r;
    for (i = 0; i < n->n_dep_sch; i++)
        if ((r = find_prop(n->dep_sch[i].s.node, name, len, depth - 1)) != NULL)
            return r;
    return NULL;
}

/* The title that the schemas applied to object frame f give its property name, or NULL. */
static const char *
declared_title(const struct frame *f, const char *name, size_t len, enum forms_lang lang)
{
    for (;;) {
        const struct forms_schema *p = find_prop(f->node, name, len, LABEL_SEARCH_DEPTH);
        const char *t;

        if (p != NULL && (t = node_title(p, lang)) != NULL)
            return t;
        if (f->up == NULL || f->seg != SEG_NONE)
            return NULL;
        f = f->up;
    }
}

/* The label of a property of f's object that is not there (required, dependentRequired): the
 * title its schema gives it wherever the object's schemas declare it, else its name. */
static void
put_member_label(struct sb *b, const struct frame *f, const char *name, size_t len,
                 enum forms_lang lang)
{
    const char *t = declared_title(f, name, len, lang);

    if (t != NULL)
        put_quoted(b, t, strlen(t));
    else
        put_quoted(b, name, len);
}

static void
put_value(struct sb *b, const json_t *v)
{
    forms_sb_put_json(b, v, VALUE_SHOW_MAX);
}

/* The messages that state a number of things: before the number, the thing in the singular and
 * the plural, and after it. */
struct count_text {
    const char *before, *one, *more, *after;
};

static const struct count_text count_texts[][FORMS_LANG_COUNT] = {
    [MSG_MIN_LENGTH] = {{" moet minstens ", "teken", "tekens", " lang zijn."},
                        {" must be at least ", "character", "characters", " long."}},
    [MSG_MAX_LENGTH] = {{" mag niet langer zijn dan ", "teken", "tekens", "."},
                        {" must not be longer than ", "character", "characters", "."}},
    [MSG_MIN_ITEMS] = {{" moet minstens ", "item", "items", " hebben."},
                       {" must have at least ", "entry", "entries", "."}},
    [MSG_MAX_ITEMS] = {{" mag niet meer dan ", "item", "items", " hebben."},
                       {" must not have more than ", "entry", "entries", "."}},
    [MSG_CONTAINS] = {{" moet minstens ", "item", "items", " van de vereiste soort hebben."},
                      {" must have at least ", "entry", "entries", " of the required kind."}},
    [MSG_MAX_CONTAINS] = {{" mag niet meer dan ", "item", "items", " van die soort hebben."},
                          {" must not have more than ", "entry", "entries", " of that kind."}},
    [MSG_MIN_PROPS] = {{" moet minstens ", "ingevuld veld", "ingevulde velden", " hebben."},
                       {" must have at least ", "field", "fields", " filled in."}},
    [MSG_MAX_PROPS] = {{" mag niet meer dan ", "ingevuld veld", "ingevulde velden", " hebben."},
                       {" must not have more than ", "field", "fields", " filled in."}},
};

static void
put_count(struct sb *b, enum msg_kind kind, size_t n, enum forms_lang lang)
{
    const struct count_text *t = &count_texts[kind][lang];

    forms_sb_puts(b, t->before);
    forms_sb_put_size(b, n);
    forms_sb_putc(b, ' ');
    forms_sb_puts(b, n == 1 ? t->one : t->more);
    forms_sb_puts(b, t->after);
}

static void
put_types(struct sb *b, unsigned types, enum forms_lang lang)
{
    static const struct {
        unsigned bit;
        const char *word[FORMS_LANG_COUNT];
    } names[] = {
        {FT_STRING, {"tekst", "text"}},
        {FT_INTEGER, {"een geheel getal", "a whole number"}},
        {FT_NUMBER, {"een getal", "a number"}},
        {FT_BOOLEAN, {"ja of nee (true of false)", "yes or no (true or false)"}},
        {FT_ARRAY, {"een lijst", "a list"}},
        {FT_OBJECT, {"een groep velden", "a group of fields"}},
        {FT_NULL, {"leeg (null)", "empty (null)"}},
    };
    size_t i, count = 0, done = 0;

    /* "a number" already includes the whole numbers */
    if (types & FT_NUMBER)
        types &= ~(unsigned)FT_INTEGER;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        count += (types & names[i].bit) != 0;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(types & names[i].bit))
            continue;
        if (done > 0)
            forms_sb_puts(b, done == count - 1 ? (lang == EN ? " or " : " of ") : ", ");
        forms_sb_puts(b, names[i].word[lang]);
        done++;
    }
}

/* " Expected: <description>" when the schema explains its rule. */
static void
put_hint(struct sb *b, const struct forms_schema *n, enum forms_lang lang)
{
    const char *d;

    if (n == NULL || n->kind != NODE_SCHEMA)
        return;
    d = n->desc[lang] != NULL ? n->desc[lang] : n->desc[NL];
    if (d == NULL)
        return;
    forms_sb_puts(b, lang == EN ? " Expected: " : " Verwacht: ");
    forms_sb_puts(b, d);
}

static void
put_format(struct sb *b, const struct msg_args *a, enum forms_lang lang)
{
    const bool en = lang == EN;

    switch (a->format) {
    case FMT_DATE:
    case FMT_DATE_TIME:
        if (a->why == WHY_NO_DATE) {
            forms_sb_puts(b, en ? " must be a date that exists; check the day and the month."
                                : " moet een bestaande datum zijn; controleer de dag en de "
                                  "maand.");
        } else if (a->format == FMT_DATE) {
            forms_sb_puts(b, en ? " must be a date written as YYYY-MM-DD, e.g. 2026-07-01."
                                : " moet een datum zijn in de vorm JJJJ-MM-DD, bijvoorbeeld "
                                  "2026-07-01.");
        } else {
            forms_sb_puts(b, en ? " must be a date and time written as YYYY-MM-DDTHH:MM:SS with "
                                  "a time zone, e.g. 2026-07-01T09:30:00+02:00."
                                : " moet een datum en tijd zijn in de vorm JJJJ-MM-DDTUU:MM:SS "
                                  "met tijdzone, bijvoorbeeld 2026-07-01T09:30:00+02:00.");
        }
        break;
    case FMT_TIME:
        forms_sb_puts(b, en ? " must be a time written as HH:MM:SS with a time zone, e.g. "
                              "09:30:00+02:00."
                            : " moet een tijd zijn in de vorm UU:MM:SS met tijdzone, "
                              "bijvoorbeeld 09:30:00+02:00.");
        break;
    case FMT_EMAIL:
        forms_sb_puts(b, en ? " must be an e-mail address, e.g. name@school.nl."
                            : " moet een e-mailadres zijn, bijvoorbeeld naam@school.nl.");
        break;
    case FMT_UUID:
        forms_sb_puts(b, en ? " must be a UUID, e.g. 2eb8aa08-aa98-11ea-b4aa-73b441d16380."
                            : " moet een UUID zijn, bijvoorbeeld "
                              "2eb8aa08-aa98-11ea-b4aa-73b441d16380.");
        break;
    case FMT_BSN:
        if (a->why == WHY_ELEVEN_TEST)
            forms_sb_puts(b, en ? " is not a valid citizen service number (it fails the "
                                  "eleven-test)."
                                : " is geen geldig burgerservicenummer (de elfproef klopt "
                                  "niet).");
        else if (a->why == WHY_ALL_ZEROS)
            forms_sb_puts(b, en ? " is not a valid citizen service number (it cannot be all "
                                  "zeros)."
                                : " is geen geldig burgerservicenummer (het mag niet uit alleen "
                                  "nullen bestaan).");
        else
            forms_sb_puts(b, en ? " must be a citizen service number (BSN) of 9 digits."
                                : " moet een burgerservicenummer (BSN) van 9 cijfers zijn.");
        break;
    case FMT_OIN:
        forms_sb_puts(b, en ? " must be an organisation identification number (OIN) of exactly "
                              "20 digits."
                            : " moet een organisatie-identificatienummer (OIN) van precies 20 "
                              "cijfers zijn.");
        break;
    case FMT_POSTCODE:
        if (a->why == WHY_POSTCODE_SSX)
            forms_sb_puts(b, en ? " is not an existing postcode: the letters SA, SD and SS are "
                                  "not used."
                                : " is geen bestaande postcode: de letters SA, SD en SS worden "
                                  "niet gebruikt.");
        else
            forms_sb_puts(b, en ? " must be a Dutch postcode written as 1234 AB."
                                : " moet een Nederlandse postcode zijn in de vorm 1234 AB.");
        break;
    case FMT_NONE:
        forms_sb_puts(b, en ? " is not in the right format." : " heeft niet de juiste vorm.");
        break;
    }
}

static void
put_enum(struct sb *b, const json_t *values, enum forms_lang lang)
{
    size_t i, n = json_array_size(values);

    for (i = 0; i < n && i < ENUM_SHOW_MAX; i++) {
        if (i > 0)
            forms_sb_puts(b, ", ");
        put_value(b, json_array_get(values, i));
    }
    if (n > ENUM_SHOW_MAX)
        forms_sb_printf(b, lang == EN ? ", and %zu more" : ", en nog %zu", n - ENUM_SHOW_MAX);
}

static void
build(struct sb *b, const struct msg_args *a, enum forms_lang lang)
{
    const bool en = lang == EN;
    const struct frame *f = a->f;
    size_t n = a->n;

    switch (a->kind) {
    case MSG_NOT_IN_FORM:
        forms_sb_puts(b, en ? "The field " : "Het veld ");
        put_quoted(b, a->name, a->name_len);
        forms_sb_puts(b, en ? " is not part of this form." : " hoort niet bij dit formulier.");
        return;
    case MSG_REQUIRED:
    case MSG_DEP_REQUIRED:
        put_member_label(b, f, a->name, a->name_len, lang);
        put_context_in(b, f, lang);
        forms_sb_puts(b, en ? " is missing; it is required" : " ontbreekt; dit veld is verplicht");
        if (a->kind == MSG_DEP_REQUIRED) {
            forms_sb_puts(b, en ? " when " : " als ");
            put_member_label(b, f, a->name2, a->name2_len, lang);
            forms_sb_puts(b, en ? " is filled in" : " is ingevuld");
        }
        forms_sb_putc(b, '.');
        return;
    case MSG_PROPERTY_NAME:
        forms_sb_puts(b, en ? "The field name " : "De veldnaam ");
        put_quoted(b, a->name, a->name_len);
        forms_sb_puts(b, en ? " is not allowed in " : " is niet toegestaan in ");
        put_label(b, f, lang, false);
        forms_sb_putc(b, '.');
        put_hint(b, a->hint, lang);
        return;
    case MSG_EXTRA_ITEM:
        put_label(b, f->up != NULL ? f->up : f, lang, true);
        forms_sb_printf(b,
                        en ? " has more entries than this form allows (entry %zu is one too many)."
                           : " heeft meer items dan dit formulier toestaat (item %zu is te veel).",
                        a->i + 1);
        return;
    default:
        break;
    }

    put_label(b, f, lang, true);
    switch (a->kind) {
    case MSG_FALSE:
        forms_sb_puts(b, en ? " is not allowed here." : " is hier niet toegestaan.");
        break;
    case MSG_FALSE_PROPERTY:
        forms_sb_puts(b, en ? " must not be filled in." : " mag niet worden ingevuld.");
        break;
    case MSG_TYPE:
        forms_sb_puts(b, en ? " must be " : " moet ");
        put_types(b, a->types, lang);
        forms_sb_puts(b, en ? "." : " zijn.");
        break;
    case MSG_ENUM:
        if (n == 0) {
            forms_sb_puts(b, en ? " cannot have any value here."
                                : " kan hier geen enkele "
                                  "waarde hebben.");
            break;
        }
        forms_sb_puts(b, en ? " must be one of: " : " moet een van deze waarden hebben: ");
        put_enum(b, a->value, lang);
        forms_sb_putc(b, '.');
        break;
    case MSG_CONST:
        forms_sb_puts(b, en ? " must be " : " moet ");
        put_value(b, a->value);
        forms_sb_puts(b, en ? "." : " zijn.");
        break;
    case MSG_MIN_LENGTH:
        if (n == 1)
            forms_sb_puts(b, en ? " must not be empty." : " mag niet leeg zijn.");
        else
            put_count(b, a->kind, n, lang);
        break;
    case MSG_PATTERN:
        forms_sb_puts(b, en ? " is not written in the expected form."
                            : " is niet in de verwachte vorm geschreven.");
        put_hint(b, a->hint, lang);
        break;
    case MSG_FORMAT:
        put_format(b, a, lang);
        break;
    case MSG_MINIMUM:
    case MSG_MAXIMUM:
    case MSG_EX_MINIMUM:
    case MSG_EX_MAXIMUM:
    case MSG_MULTIPLE_OF: {
        static const char *const words[][FORMS_LANG_COUNT] = {
            {" moet minstens ", " must be at least "},
            {" mag hoogstens ", " must be at most "},
            {" moet meer dan ", " must be more than "},
            {" moet minder dan ", " must be less than "},
            {" moet een veelvoud van ", " must be a multiple of "},
        };

        forms_sb_puts(b, words[a->kind - MSG_MINIMUM][lang]);
        put_value(b, a->value);
        forms_sb_puts(b, en ? "." : " zijn.");
        break;
    }
    case MSG_MAX_LENGTH:
    case MSG_MIN_ITEMS:
    case MSG_MAX_ITEMS:
    case MSG_MIN_PROPS:
    case MSG_MAX_PROPS:
        put_count(b, a->kind, n, lang);
        break;
    case MSG_CONTAINS:
    case MSG_MAX_CONTAINS:
        put_count(b, a->kind, n, lang);
        put_hint(b, a->hint, lang);
        break;
    case MSG_UNIQUE:
        if (en)
            forms_sb_printf(b, " has the same entry twice (entries %zu and %zu).", a->i + 1,
                            a->j + 1);
        else
            forms_sb_printf(b, " bevat hetzelfde item twee keer (item %zu en %zu).", a->i + 1,
                            a->j + 1);
        break;
    case MSG_ANY_OF:
        forms_sb_puts(b, en ? " does not match any of the allowed options."
                            : " past bij geen van de toegestane mogelijkheden.");
        put_hint(b, a->hint, lang);
        break;
    case MSG_ONE_OF_MANY:
        forms_sb_puts(b, en ? " matches more than one of the options; it must match exactly one."
                            : " past bij meer dan één mogelijkheid; het moet er precies één "
                              "zijn.");
        put_hint(b, a->hint, lang);
        break;
    case MSG_NOT:
        forms_sb_puts(b, en ? " has a value that is not allowed here."
                            : " heeft een waarde die hier niet is toegestaan.");
        put_hint(b, a->hint, lang);
        break;
    case MSG_CONDITION:
        forms_sb_puts(b, en ? " does not meet a condition that follows from other answers on "
                              "this form."
                            : " voldoet niet aan een voorwaarde die volgt uit andere antwoorden "
                              "op dit formulier.");
        put_hint(b, a->hint, lang);
        break;
    case MSG_DEPTH:
        forms_sb_puts(b, en ? " is nested too deeply to be checked."
                            : " is te diep genest om te controleren.");
        break;
    default:
        break;
    }
}

int
forms_message(const struct msg_args *a, struct sb *scratch, char *out[FORMS_LANG_COUNT])
{
    int l;

    for (l = 0; l < FORMS_LANG_COUNT; l++) {
        build(scratch, a, (enum forms_lang)l);
        out[l] = forms_sb_cut(scratch);
        if (out[l] == NULL)
            return -1;
    }
    return 0;
}
