/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* access.c: system-mode access control, isolation between users, quotas.
 * The rules are in access.h. Every decision uses the credentials read once
 * at accept (SO_PEERCRED, kept on the connection and its client).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "protocol/access.h"
#include "engine/base/log.h"

enum {
        ADMIN_UNKNOWN = 0,
        ADMIN_NO,
        ADMIN_YES,
};

int access_check_peer(Protocol *p, const struct ucred *peer, void *userdata) {
        const char *group = p->config.access_group;

        if (peer->uid == 0 || peer->uid == getuid())
                return 0;
        if (group && *group && auth_peer_in_group(peer, group))
                return 0;
        log_notice("Access denied to uid %u (pid %d): not a member of group '%s'.",
                   (unsigned)peer->uid, (int)peer->pid, group ? group : "");
        return -EACCES;
}

bool access_isolated(const Protocol *p) {
        return p->config.system_mode && p->config.isolation;
}

uid_t access_conn_uid(const Conn *c) {
        return c->have_peer ? c->peer.uid : ACCESS_UID_NONE;
}

uid_t access_client_uid(const Client *cl) {
        return cl && cl->has_creds ? cl->creds.uid : ACCESS_UID_NONE;
}

static bool uid_privileged(uid_t uid) {
        return uid == 0 || uid == getuid();
}

bool access_is_admin(Conn *c) {
        const char *group = c->proto->config.admin_group;

        if (!c->have_peer)
                return false;
        if (uid_privileged(c->peer.uid))
                return true;
        /* Looked up once per connection: group changes apply to new connections. */
        if (c->admin_state == ADMIN_UNKNOWN)
                c->admin_state = group && *group && auth_peer_in_group(&c->peer, group)
                                 ? ADMIN_YES : ADMIN_NO;
        return c->admin_state == ADMIN_YES;
}

bool access_may_control(Conn *c, uid_t owner_uid) {
        if (!access_isolated(c->proto))
                return true;
        if (c->have_peer && owner_uid != ACCESS_UID_NONE && c->peer.uid == owner_uid)
                return true;
        return access_is_admin(c);
}

bool access_may_control_client(Conn *c, const Client *owner) {
        if (!access_isolated(c->proto))
                return true;
        if (owner && owner == c->client)
                return true;
        return access_may_control(c, access_client_uid(owner));
}

/* ---- redaction ---- */

static bool has_prefix(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool access_redact_key(const char *key) {
        if (has_prefix(key, "application.process.") || has_prefix(key, "window.") ||
            has_prefix(key, "event."))
                return true;
        return has_prefix(key, "media.") && strcmp(key, "media.role") != 0;
}

static const Proplist *redacted(const Proplist *props, Proplist **tmp) {
        Proplist *p = proplist_new();
        size_t st = 0, n;
        const void *d;
        const char *key;

        *tmp = p;
        if (!p || !props)
                return p;
        while ((key = proplist_iterate(props, &st, &d, &n)))
                if (!access_redact_key(key) && proplist_set(p, key, d, n) < 0)
                        return p;       /* OOM: show less, never more */
        if (proplist_contains(props, "media.name"))
                (void)proplist_sets(p, "media.name", "(private)");
        return p;
}

const Proplist *access_visible_props(Conn *c, const Client *owner, const Proplist *props,
                                     Proplist **tmp) {
        *tmp = NULL;
        if (access_may_control_client(c, owner))
                return props;
        return redacted(props, tmp);
}

const Proplist *access_visible_sample_props(Conn *c, const Sample *s, Proplist **tmp) {
        *tmp = NULL;
        if (access_sample_shared(s) || access_may_control(c, s->owner_uid))
                return s->props;
        return redacted(s->props, tmp);
}

/* ---- record streams ---- */

int access_check_record(Conn *c, Device *source, SinkInput *direct_on_input) {
        Core *core = c->proto->core;

        if (!access_isolated(c->proto))
                return 0;
        if (direct_on_input)
                return access_may_control_client(c, direct_on_input->client) ? 0 : PROTO_ERR_ACCESS;
        if (!source)
                source = core->default_source;
        /* A monitor carries every user's playback. */
        if (source && source->monitor_of && !access_is_admin(c)) {
                log_info("Client %u: recording from monitor %s denied (not an admin)",
                         c->client ? c->client->index : IDX_INVALID, source->name);
                return PROTO_ERR_ACCESS;
        }
        return 0;
}

/* ---- quotas ---- */

static bool quota_applies(Conn *c, uid_t *ret_uid) {
        if (!c->proto->config.system_mode || !c->have_peer || uid_privileged(c->peer.uid))
                return false;
        *ret_uid = c->peer.uid;
        return true;
}

int access_check_stream_quota(Conn *c) {
        size_t max = c->proto->config.max_streams_per_uid, n = 0;
        uid_t uid;
        Conn *x;

        if (!quota_applies(c, &uid))
                return 0;
        if (!max)
                max = ACCESS_MAX_STREAMS_PER_UID_DEFAULT;
        c_list_for_each_entry(x, &c->proto->conns, link)
                if (!x->dead && x->have_peer && x->peer.uid == uid)
                        n += x->n_streams;
        if (n >= max) {
                log_info("uid %u: stream quota (%zu) reached", (unsigned)uid, max);
                return PROTO_ERR_TOOLARGE;
        }
        return 0;
}

int access_check_upload_quota(Conn *c, size_t length) {
        size_t max = c->proto->config.max_upload_bytes_per_uid;
        uint64_t n = length;
        uid_t uid;
        Sample *s;
        Conn *x;

        if (!quota_applies(c, &uid))
                return 0;
        if (!max)
                max = ACCESS_MAX_UPLOAD_BYTES_PER_UID_DEFAULT;
        c_list_for_each_entry(x, &c->proto->conns, link)
                if (!x->dead && x->have_peer && x->peer.uid == uid)
                        n += x->upload_bytes;
        idxmap_for_each(s, &c->proto->core->samples, st)
                if (s->owner_uid == uid)
                        n += s->length;
        if (n > max) {
                log_info("uid %u: sample cache quota (%zu bytes) reached", (unsigned)uid, max);
                return PROTO_ERR_TOOLARGE;
        }
        return 0;
}

/* ---- sample namespace ---- */

uint32_t access_sample_owner(Conn *c) {
        if (c->have_peer)
                return c->peer.uid;
        /* Without credentials: shared as before, but nobody's under isolation. */
        return access_isolated(c->proto) ? (uint32_t)ACCESS_UID_NONE : 0;
}

bool access_sample_shared(const Sample *s) {
        return uid_privileged((uid_t)s->owner_uid);
}

Sample *access_sample_lookup(Conn *c, const char *name) {
        Core *core = c->proto->core;
        uid_t uid = access_conn_uid(c);
        Sample *s, *own = NULL, *shared = NULL;

        if (!access_isolated(c->proto))
                return sample_cache_lookup(core, name);
        if (!name)
                return NULL;
        idxmap_for_each(s, &core->samples, st) {
                if (strcmp(s->name, name) != 0)
                        continue;
                if (uid != ACCESS_UID_NONE && (uid_t)s->owner_uid == uid)
                        own = s;
                else if (!shared && access_sample_shared(s))
                        shared = s;
        }
        return own ? own : shared;
}
