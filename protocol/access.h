/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* access.h: who may connect to the system instance, and who may act on what.
 *
 * Connecting (system mode, Protocol.check_peer): root, the daemon's own
 * uid, and members of the access group (default pulse-access; the peer's
 * gid or the group database, looked up at AUTH time) are let in; everyone
 * else gets PA_ERR_ACCESS ("Access denied").
 *
 * Isolation (system mode with system-isolation = yes, the default): a
 * client acts only on its own uid's streams, clients and samples. "Admins"
 * — uid 0, the daemon's uid, members of the admin group (default
 * pulse-admin) — act on everything. Objects without a uid (created by the
 * daemon itself, or by a TCP client) belong to the admins. In detail:
 *
 *  - SET_SINK_INPUT_VOLUME/MUTE, SET_SOURCE_OUTPUT_VOLUME/MUTE, KILL_*,
 *    MOVE_*, KILL_CLIENT on another uid's object: PA_ERR_ACCESS;
 *  - recording from a monitor source (it carries every user's audio),
 *    moving a record stream onto one, or direct_on_input of another uid's
 *    stream: PA_ERR_ACCESS unless admin;
 *  - LOAD_MODULE, UNLOAD_MODULE and EXIT need an admin (when module loading
 *    or exit are not disallowed anyway: those answers stay pulseaudio's);
 *  - introspection still lists every object, but another uid's streams,
 *    clients and samples are shown with a redacted property list
 *    (access_redact_key()) and media.name "(private)";
 *  - samples are per-uid: PLAY_SAMPLE, REMOVE_SAMPLE and GET_SAMPLE_INFO by
 *    name see the caller's own sample of that name, else a shared one
 *    (uploaded by root or the daemon, read-only for non-admins). Two users'
 *    uploads with the same name coexist.
 *
 * Quotas (system mode, isolation or not; uid 0 and the daemon's uid exempt):
 * streams (playback + record + pending uploads) per uid, and sample bytes
 * (stored + pending uploads) per uid. Connections per uid are limited at
 * accept time (server.c).
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include "protocol/protocol.h"

#define ACCESS_UID_NONE ((uid_t)-1)
#define ACCESS_MAX_STREAMS_PER_UID_DEFAULT 64U
#define ACCESS_MAX_UPLOAD_BYTES_PER_UID_DEFAULT (16U * 1024U * 1024U)

/* Protocol.check_peer for system mode: 0 = allowed, -EACCES = denied (logged). */
int access_check_peer(Protocol *p, const struct ucred *peer, void *userdata);

/* Is isolation in force on this server (system mode and isolation on)? */
bool access_isolated(const Protocol *p);
/* The peer uid of a connection / the creds uid of a client, or ACCESS_UID_NONE. */
uid_t access_conn_uid(const Conn *c);
uid_t access_client_uid(const Client *cl);
/* root, the daemon's uid, or the admin group (cached on the connection). */
bool access_is_admin(Conn *c);
/* May c act on an object of owner_uid? Always true without isolation. */
bool access_may_control(Conn *c, uid_t owner_uid);
/* Same for an object owned by a client (NULL: the daemon's own object). */
bool access_may_control_client(Conn *c, const Client *owner);

/* The keys other users do not see: application.process.*, window.*, event.*,
 * media.* except media.role (media.name is replaced by "(private)"). */
bool access_redact_key(const char *key);
/* The property list c may see of an object owned by owner: props itself, or a
 * redacted copy stored in *tmp (free it; NULL on OOM = nothing shown). */
const Proplist *access_visible_props(Conn *c, const Client *owner, const Proplist *props,
                                     Proplist **tmp);
const Proplist *access_visible_sample_props(Conn *c, const Sample *s, Proplist **tmp);

/* CREATE_RECORD_STREAM / MOVE_SOURCE_OUTPUT target check: 0 or PROTO_ERR_ACCESS. */
int access_check_record(Conn *c, Device *source, SinkInput *direct_on_input);

/* Quotas before creating a stream / an upload of length bytes: 0 or PROTO_ERR_TOOLARGE. */
int access_check_stream_quota(Conn *c);
int access_check_upload_quota(Conn *c, size_t length);

/* Sample namespace. */
uint32_t access_sample_owner(Conn *c);          /* owner uid for a new upload */
bool access_sample_shared(const Sample *s);
Sample *access_sample_lookup(Conn *c, const char *name);
