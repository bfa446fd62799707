/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* proplist.c: property lists as an insertion-ordered array.
 *
 * A list holds at most PROPLIST_ENTRIES_MAX entries, so a linear scan is
 * cheap and keeps iteration, equality and printing deterministic (PulseAudio
 * hashes, so its order is arbitrary and nobody may depend on it). Replacing
 * an existing key keeps its position.
 *
 * Each entry is one allocation: the entry header, then the key with its NUL,
 * then the value bytes. Values may be empty, and proplist_get() still returns
 * a non-NULL pointer for an empty value so "absent" and "empty" differ.
 *
 * Invariants: every key satisfies proplist_key_valid(); every value is at
 * most PROPLIST_VALUE_MAX bytes; no two entries share a key; n <= ENTRIES_MAX.
 * Operations that can fail part-way (update, parse_string) build their
 * result on the side and swap it in, so a failure leaves the list as it was.
 *
 * Text vs. binary: a value is text when its last byte is the only NUL and
 * the bytes before it are valid UTF-8 -- what libpulse's pa_proplist_gets()
 * accepts. The UTF-8 rules are libpulse's too, which is stricter than
 * RFC 3629: besides overlongs, surrogates and code points above U+10FFFF it
 * rejects the noncharacters U+FDD0..U+FDEF and U+xxFFFE/U+xxFFFF.
 *
 * proplist_to_string() prints like pa_proplist_to_string_sep(p, "\n"):
 * `key = "value"` for text, with only '"' escaped (as \"; backslashes and
 * newlines are written raw), and `key = hex:0a1b...` for binary values, the
 * hex covering every byte. Lines are separated, not terminated, by '\n'.
 *
 * proplist_parse_string() reads the syntax of pa_proplist_from_string(), the
 * parser behind module arguments such as sink_properties=: whitespace-
 * separated `key=value`, with optional whitespace around '='; a value is a
 * '...' or "..." string in which a backslash takes the next character
 * literally, or hex:DIGITS (an even number, either case) for binary data, or
 * a bare word up to the next whitespace in which nothing is special. A
 * quoted value needs no whitespace after it ("a='x'b=c" is two entries, and
 * "a='x'b" fails because "b" has no '='). Unlike libpulse an empty key is
 * refused.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include "engine/base/macro.h"
#include "engine/types/proplist.h"

typedef struct Entry {
        size_t n;               /* value length */
        void *data;             /* points into this allocation, after the key */
        char key[];
} Entry;

struct Proplist {
        Entry **entries;
        size_t n;
        size_t allocated;
};

static Entry *entry_new(const char *key, const void *data, size_t n) {
        size_t klen = strlen(key) + 1;
        Entry *e = malloc(sizeof(*e) + klen + n);

        if (!e)
                return NULL;
        memcpy(e->key, key, klen);
        e->data = e->key + klen;
        e->n = n;
        if (n)
                memcpy(e->data, data, n);
        return e;
}

Proplist *proplist_new(void) {
        return calloc(1, sizeof(Proplist));
}

void proplist_clear(Proplist *p) {
        for (size_t i = 0; i < p->n; i++)
                free(p->entries[i]);
        p->n = 0;
}

Proplist *proplist_free(Proplist *p) {
        if (!p)
                return NULL;
        proplist_clear(p);
        free(p->entries);
        free(p);
        return NULL;
}

static int proplist_reserve(Proplist *p, size_t n) {
        size_t na;
        Entry **e;

        if (n <= p->allocated)
                return 0;
        na = C_MAX(C_MAX(p->allocated * 2, n), (size_t)8);
        e = realloc(p->entries, na * sizeof(*e));
        if (!e)
                return -ENOMEM;
        p->entries = e;
        p->allocated = na;
        return 0;
}

Proplist *proplist_copy(const Proplist *p) {
        _c_cleanup_(proplist_freep) Proplist *c = proplist_new();
        Proplist *res;

        if (!c || proplist_reserve(c, p->n) < 0)
                return NULL;
        for (size_t i = 0; i < p->n; i++) {
                const Entry *e = p->entries[i];

                c->entries[i] = entry_new(e->key, e->data, e->n);
                if (!c->entries[i])
                        return NULL;
                c->n++;
        }
        res = c;
        c = NULL;
        return res;
}

static ssize_t proplist_find(const Proplist *p, const char *key) {
        for (size_t i = 0; i < p->n; i++)
                if (strcmp(p->entries[i]->key, key) == 0)
                        return (ssize_t)i;
        return -1;
}

bool proplist_key_valid(const char *key) {
        size_t n = 0;

        if (!key || !*key)
                return false;
        for (const char *c = key; *c; c++, n++) {
                if (*c < 0x20 || *c > 0x7e)     /* printable ASCII only */
                        return false;
                if (n >= PROPLIST_KEY_MAX)
                        return false;
        }
        return true;
}

int proplist_set(Proplist *p, const char *key, const void *data, size_t n) {
        Entry *e;
        ssize_t i;

        if (!proplist_key_valid(key) || n > PROPLIST_VALUE_MAX || (n && !data))
                return -EINVAL;
        i = proplist_find(p, key);
        if (i < 0 && p->n >= PROPLIST_ENTRIES_MAX)
                return -E2BIG;
        if (i < 0 && proplist_reserve(p, p->n + 1) < 0)
                return -ENOMEM;
        e = entry_new(key, data, n);
        if (!e)
                return -ENOMEM;
        if (i >= 0) {
                free(p->entries[i]);
                p->entries[i] = e;
        } else {
                p->entries[p->n++] = e;
        }
        return 0;
}

int proplist_sets(Proplist *p, const char *key, const char *value) {
        if (!value || !utf8_valid(value))
                return -EINVAL;
        return proplist_set(p, key, value, strlen(value) + 1);
}

int proplist_setf(Proplist *p, const char *key, const char *fmt, ...) {
        _c_cleanup_free_ char *s = NULL;
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (k < 0) {
                s = NULL;       /* contents are undefined on failure */
                return -ENOMEM;
        }
        return proplist_sets(p, key, s);
}

const void *proplist_get(const Proplist *p, const char *key, size_t *ret_n) {
        ssize_t i;

        if (!key)
                return NULL;
        i = proplist_find(p, key);
        if (i < 0)
                return NULL;
        if (ret_n)
                *ret_n = p->entries[i]->n;
        return p->entries[i]->data;
}

/* Text: last byte is the only NUL, the rest valid UTF-8. */
static bool value_is_text(const void *data, size_t n) {
        return n >= 1 && ((const char *)data)[n - 1] == 0 && !memchr(data, 0, n - 1) &&
               utf8_valid_n(data, n - 1);
}

const char *proplist_gets(const Proplist *p, const char *key) {
        size_t n;
        const void *d = proplist_get(p, key, &n);

        return d && value_is_text(d, n) ? d : NULL;
}

bool proplist_contains(const Proplist *p, const char *key) {
        return key && proplist_find(p, key) >= 0;
}

int proplist_unset(Proplist *p, const char *key) {
        ssize_t i;

        if (!key)
                return -ENOENT;
        i = proplist_find(p, key);
        if (i < 0)
                return -ENOENT;
        free(p->entries[i]);
        memmove(p->entries + i, p->entries + i + 1, (p->n - (size_t)i - 1) * sizeof(*p->entries));
        p->n--;
        return 0;
}

size_t proplist_size(const Proplist *p) {
        return p->n;
}

bool proplist_is_empty(const Proplist *p) {
        return p->n == 0;
}

/* Moves the contents of src into dst (freeing dst's old contents) and frees src. */
static void proplist_swap_in(Proplist *dst, Proplist *src) {
        Proplist old = *dst;

        *dst = *src;
        *src = old;
        proplist_free(src);
}

int proplist_update(Proplist *p, ProplistUpdateMode mode, const Proplist *other) {
        _c_cleanup_(proplist_freep) Proplist *res = NULL;
        int r;

        if ((unsigned)mode >= _PROPLIST_UPDATE_N)
                return -EINVAL;
        res = mode == PROPLIST_UPDATE_SET ? proplist_new() : proplist_copy(p);
        if (!res)
                return -ENOMEM;
        for (size_t i = 0; i < other->n; i++) {
                const Entry *e = other->entries[i];

                if (mode == PROPLIST_UPDATE_MERGE && proplist_contains(res, e->key))
                        continue;
                r = proplist_set(res, e->key, e->data, e->n);
                if (r < 0)
                        return r;
        }
        proplist_swap_in(p, res);
        res = NULL;
        return 0;
}

bool proplist_equal(const Proplist *a, const Proplist *b) {
        if (a == b)
                return true;
        if (a->n != b->n)
                return false;
        for (size_t i = 0; i < a->n; i++) {
                const Entry *e = a->entries[i];
                size_t n;
                const void *d = proplist_get(b, e->key, &n);

                if (!d || n != e->n || memcmp(d, e->data, n) != 0)
                        return false;
        }
        return true;
}

const char *proplist_iterate(const Proplist *p, size_t *state, const void **ret_data,
                             size_t *ret_n) {
        const Entry *e;

        if (*state >= p->n)
                return NULL;
        e = p->entries[(*state)++];
        if (ret_data)
                *ret_data = e->data;
        if (ret_n)
                *ret_n = e->n;
        return e->key;
}

bool utf8_valid(const char *s) {
        return s && utf8_valid_n(s, strlen(s));
}

bool utf8_valid_n(const char *s, size_t n) {
        const uint8_t *u = (const uint8_t *)s;
        size_t i = 0;

        while (i < n) {
                uint32_t cp, min;
                size_t len;

                if (u[i] < 0x80) {
                        i++;
                        continue;
                }
                if ((u[i] & 0xe0) == 0xc0) {
                        len = 2;
                        cp = u[i] & 0x1f;
                        min = 0x80;
                } else if ((u[i] & 0xf0) == 0xe0) {
                        len = 3;
                        cp = u[i] & 0x0f;
                        min = 0x800;
                } else if ((u[i] & 0xf8) == 0xf0) {
                        len = 4;
                        cp = u[i] & 0x07;
                        min = 0x10000;
                } else {
                        return false;
                }
                if (len > n - i)
                        return false;
                for (size_t k = 1; k < len; k++) {
                        if ((u[i + k] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (u[i + k] & 0x3f);
                }
                if (cp < min || cp > 0x10ffff)
                        return false;
                if (cp >= 0xd800 && cp <= 0xdfff)
                        return false;
                if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
                        return false;
                i += len;
        }
        return true;
}

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int hex_digit(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/*
 * Parses one value starting at *pp into buf (which has room for strlen(*pp)
 * + 1 bytes). Sets *ret_n to the value length, including the NUL for text.
 */
static int parse_value(const char **pp, char *buf, size_t *ret_n) {
        const char *s = *pp;
        size_t k = 0;

        if (*s == '"' || *s == '\'') {
                char q = *s++;

                for (;;) {
                        if (!*s)
                                return -EINVAL;
                        if (*s == q)
                                break;
                        if (*s == '\\') {
                                s++;
                                if (!*s)
                                        return -EINVAL;
                        }
                        buf[k++] = *s++;
                }
                s++;            /* the next key may follow at once, as in libpulse */
                buf[k++] = 0;
                if (!utf8_valid(buf))
                        return -EINVAL;
        } else if (strncmp(s, "hex:", 4) == 0) {
                s += 4;
                while (*s && !is_space(*s)) {
                        int hi = hex_digit(s[0]), lo;

                        if (hi < 0 || !s[1])
                                return -EINVAL;
                        lo = hex_digit(s[1]);
                        if (lo < 0)
                                return -EINVAL;
                        buf[k++] = (char)(hi << 4 | lo);
                        s += 2;
                }
        } else {
                while (*s && !is_space(*s))
                        buf[k++] = *s++;
                buf[k++] = 0;
                if (!utf8_valid(buf))
                        return -EINVAL;
        }
        *pp = s;
        *ret_n = k;
        return 0;
}

int proplist_parse_string(Proplist *p, const char *s) {
        _c_cleanup_(proplist_freep) Proplist *tmp = NULL;
        _c_cleanup_free_ char *key = NULL, *value = NULL;
        size_t len;
        int r;

        if (!s)
                return -EINVAL;
        len = strlen(s);
        tmp = proplist_new();
        key = malloc(len + 1);
        value = malloc(len + 1);
        if (!tmp || !key || !value)
                return -ENOMEM;

        for (;;) {
                size_t klen, vlen;

                while (is_space(*s))
                        s++;
                if (!*s)
                        break;

                klen = 0;
                while (*s && *s != '=' && !is_space(*s))
                        key[klen++] = *s++;
                key[klen] = 0;
                while (is_space(*s))
                        s++;
                if (*s != '=')
                        return -EINVAL;
                s++;
                while (is_space(*s))
                        s++;
                if (!*s)
                        return -EINVAL;
                if (!proplist_key_valid(key))
                        return -EINVAL;

                r = parse_value(&s, value, &vlen);
                if (r < 0)
                        return r;
                r = proplist_set(tmp, key, value, vlen);
                if (r < 0)
                        return r == -ENOMEM || r == -E2BIG ? r : -EINVAL;
        }
        return proplist_update(p, PROPLIST_UPDATE_REPLACE, tmp);
}

/* A growing string; on allocation failure it sets failed and stops growing. */
typedef struct StrBuf {
        char *s;
        size_t len;
        size_t allocated;
        bool failed;
} StrBuf;

static void strbuf_put(StrBuf *b, const char *s, size_t n) {
        if (b->failed)
                return;
        if (n + 1 > b->allocated - b->len) {
                size_t na = C_MAX(b->allocated * 2, b->len + n + 1);
                char *t = realloc(b->s, na);

                if (!t) {
                        b->failed = true;
                        return;
                }
                b->s = t;
                b->allocated = na;
        }
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = 0;
}

static void strbuf_puts(StrBuf *b, const char *s) {
        strbuf_put(b, s, strlen(s));
}

char *proplist_to_string(const Proplist *p) {
        static const char hexdigits[] = "0123456789abcdef";
        StrBuf b = { 0 };

        strbuf_put(&b, "", 0);
        for (size_t i = 0; i < p->n; i++) {
                const Entry *e = p->entries[i];
                const uint8_t *d = e->data;

                if (i)
                        strbuf_puts(&b, "\n");
                strbuf_puts(&b, e->key);
                if (value_is_text(e->data, e->n)) {
                        const char *t = e->data;

                        strbuf_puts(&b, " = \"");
                        for (const char *q; (q = strchr(t, '"')); t = q + 1) {
                                strbuf_put(&b, t, (size_t)(q - t));
                                strbuf_puts(&b, "\\\"");
                        }
                        strbuf_puts(&b, t);
                        strbuf_puts(&b, "\"");
                } else {
                        strbuf_puts(&b, " = hex:");
                        for (size_t k = 0; k < e->n; k++) {
                                char h[2] = { hexdigits[d[k] >> 4], hexdigits[d[k] & 0xf] };

                                strbuf_put(&b, h, 2);
                        }
                }
        }
        if (b.failed) {
                free(b.s);
                return NULL;
        }
        return b.s;
}
