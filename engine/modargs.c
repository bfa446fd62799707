/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* modargs.c: module argument strings ("key=value key2='a b'").
 *
 * Grammar (as PulseAudio documents it for default.pa): whitespace separates
 * pairs; a value may be bare (up to whitespace), or quoted with ' or ",
 * where a backslash escapes the next character inside quotes and in bare
 * values. A key without '=' is an error; a repeated key is an error.
 * Arguments come from clients (LOAD_MODULE), so parsing is bounded by the
 * input length and never trusts it.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include "engine/core.h"

ModArgs *modargs_free(ModArgs *a) {
        if (!a)
                return NULL;
        for (size_t i = 0; i < a->n; i++) {
                free(a->keys[i]);
                free(a->values[i]);
        }
        free(a->keys);
        free(a->values);
        free(a);
        return NULL;
}

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int modargs_add(ModArgs *a, const char *const *valid, char *key, char *value) {
        char **nk, **nv;
        bool ok = !valid;

        for (size_t i = 0; valid && valid[i]; i++)
                if (strcmp(valid[i], key) == 0)
                        ok = true;
        for (size_t i = 0; i < a->n; i++)
                if (strcmp(a->keys[i], key) == 0)
                        ok = false;
        if (!ok)
                return ENGINE_E_INVALID;
        nk = realloc(a->keys, (a->n + 1) * sizeof(*nk));
        if (!nk)
                return -ENOMEM;
        a->keys = nk;
        nv = realloc(a->values, (a->n + 1) * sizeof(*nv));
        if (!nv)
                return -ENOMEM;
        a->values = nv;
        a->keys[a->n] = key;
        a->values[a->n] = value;
        a->n++;
        return 0;
}

int modargs_parse(const char *s, const char *const *valid, ModArgs **ret) {
        ModArgs *a = calloc(1, sizeof(*a));
        const char *p = s ? s : "";
        /* One scratch buffer for the value being parsed (never longer than the
         * input), so the work and memory stay linear in the input's length. */
        char *buf = malloc(strlen(p) + 1);
        int r = 0;

        if (!a || !buf) {
                free(a);
                free(buf);
                return -ENOMEM;
        }
        for (;;) {
                const char *ks;
                char *key = NULL, *value = NULL;
                size_t kl, vl = 0;

                while (is_space(*p))
                        p++;
                if (!*p)
                        break;
                ks = p;
                while (*p && *p != '=' && !is_space(*p))
                        p++;
                if (*p != '=' || p == ks) {
                        r = ENGINE_E_INVALID;
                        break;
                }
                kl = (size_t)(p - ks);
                p++;
                key = strndup(ks, kl);
                if (!key) {
                        r = -ENOMEM;
                        break;
                }
                if (*p == '\'' || *p == '"') {
                        char q = *p++;

                        while (*p && *p != q) {
                                if (*p == '\\' && p[1])
                                        p++;
                                buf[vl++] = *p++;
                        }
                        if (*p != q) {
                                free(value);
                                free(key);
                                r = ENGINE_E_INVALID;
                                break;
                        }
                        p++;
                } else {
                        while (*p && !is_space(*p)) {
                                if (*p == '\\' && p[1])
                                        p++;
                                buf[vl++] = *p++;
                        }
                }
                buf[vl] = 0;
                value = strdup(buf);
                if (!value) {
                        free(key);
                        r = -ENOMEM;
                        break;
                }
                r = modargs_add(a, valid, key, value);
                if (r) {
                        free(value);
                        free(key);
                        break;
                }
        }
        free(buf);
        if (r) {
                modargs_free(a);
                return r;
        }
        *ret = a;
        return 0;
}

const char *modargs_get(const ModArgs *a, const char *key, const char *def) {
        for (size_t i = 0; a && i < a->n; i++)
                if (strcmp(a->keys[i], key) == 0)
                        return a->values[i];
        return def;
}

int parse_bool(const char *s, bool *ret) {
        static const char *const yes[] = { "1", "y", "yes", "t", "true", "on" };
        static const char *const no[] = { "0", "n", "no", "f", "false", "off" };

        for (size_t i = 0; i < C_ARRAY_SIZE(yes); i++)
                if (strcasecmp(s, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
        for (size_t i = 0; i < C_ARRAY_SIZE(no); i++)
                if (strcasecmp(s, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        return ENGINE_E_INVALID;
}

int modargs_get_bool(const ModArgs *a, const char *key, bool *v) {
        const char *s = modargs_get(a, key, NULL);

        return s ? parse_bool(s, v) : 0;
}

int modargs_get_u32(const ModArgs *a, const char *key, uint32_t *v) {
        const char *s = modargs_get(a, key, NULL);
        unsigned long long x;
        char *end;

        if (!s)
                return 0;
        if (!*s || *s == '-')
                return ENGINE_E_INVALID;
        errno = 0;
        x = strtoull(s, &end, 0);
        if (errno || *end || x > UINT32_MAX)
                return ENGINE_E_INVALID;
        *v = (uint32_t)x;
        return 0;
}

int modargs_get_s32(const ModArgs *a, const char *key, int32_t *v) {
        const char *s = modargs_get(a, key, NULL);
        long long x;
        char *end;

        if (!s)
                return 0;
        if (!*s)
                return ENGINE_E_INVALID;
        errno = 0;
        x = strtoll(s, &end, 0);
        if (errno || *end || x > INT32_MAX || x < INT32_MIN)
                return ENGINE_E_INVALID;
        *v = (int32_t)x;
        return 0;
}

int modargs_get_sample_spec_and_map(const ModArgs *a, SampleSpec *ss, ChannelMap *map) {
        SampleSpec s = *ss;
        ChannelMap m;
        const char *f = modargs_get(a, "format", NULL);
        const char *cm = modargs_get(a, "channel_map", NULL);
        uint32_t ch = s.channels, rate = s.rate;
        bool have_channels = modargs_get(a, "channels", NULL) != NULL;

        if (f) {
                s.format = sample_format_from_string(f);
                if (s.format == SAMPLE_INVALID)
                        return ENGINE_E_INVALID;
        }
        if (modargs_get_u32(a, "rate", &rate) || modargs_get_u32(a, "channels", &ch))
                return ENGINE_E_INVALID;
        if (ch == 0 || ch > CHANNELS_MAX)
                return ENGINE_E_INVALID;
        s.rate = rate;
        s.channels = (uint8_t)ch;
        if (cm) {
                if (channel_map_parse(&m, cm) < 0)
                        return ENGINE_E_INVALID;
                if (!have_channels)
                        s.channels = m.channels;
                else if (m.channels != s.channels)
                        return ENGINE_E_INVALID;
        } else if (map && map->channels == s.channels) {
                m = *map;
        } else if (!channel_map_init_auto(&m, s.channels)) {
                return ENGINE_E_INVALID;
        }
        if (!sample_spec_valid(&s))
                return ENGINE_E_INVALID;
        *ss = s;
        if (map)
                *map = m;
        return 0;
}
