/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* module-native.c: module-native-protocol-unix and module-native-protocol-tcp.
 *
 * Each loaded module owns one Listener with its own authentication
 * settings. Unix: socket= (default <runtime dir>/native; a socket passed
 * by systemd for that path is used instead of creating one). TCP: port=
 * (4713), listen= (default 127.0.0.1: a decision of ours — PulseAudio
 * listens on every address; exposing audio to the network must be asked
 * for), auth-ip-acl= (semicolon-separated addresses/CIDR blocks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "protocol/protocol.h"
#include "engine/base/log.h"

static const char *const unix_args[] = {
        "socket", "auth-anonymous", "auth-group", "auth-group-enable", "auth-cookie",
        "auth-cookie-enabled", "srbchannel", NULL,
};

static const char *const tcp_args[] = {
        "port", "listen", "auth-ip-acl", "auth-anonymous", "auth-cookie", "auth-cookie-enabled",
        "auth-group", "auth-group-enable", NULL,
};

static int auth_from_args(Protocol *p, ModArgs *ma, AuthConfig *a, bool is_unix) {
        const char *cookie_path;
        bool cookie_enabled = true, group_enabled = p->config.system_mode;
        int r;

        if (modargs_get_bool(ma, "auth-anonymous", &a->anonymous) ||
            modargs_get_bool(ma, "auth-cookie-enabled", &cookie_enabled) ||
            modargs_get_bool(ma, "auth-group-enable", &group_enabled)) {
                log_error("Invalid boolean in auth arguments");
                return ENGINE_E_INVALID;
        }
        if (modargs_get(ma, "auth-group", NULL) && !modargs_get(ma, "auth-group-enable", NULL))
                group_enabled = true;
        a->group_enabled = group_enabled && is_unix;
        a->group = strdup(modargs_get(ma, "auth-group",
                                      p->config.access_group ? p->config.access_group : "pulse-access"));
        if (!a->group)
                return -ENOMEM;
        a->cookie_enabled = cookie_enabled;
        if (cookie_enabled && !a->anonymous) {
                _c_cleanup_free_ char *def = NULL;

                cookie_path = modargs_get(ma, "auth-cookie", NULL);
                if (!cookie_path) {
                        def = auth_default_cookie_path();
                        cookie_path = def;
                }
                if (!cookie_path)
                        return -ENOMEM;
                r = auth_load_cookie(cookie_path, true, a->cookie);
                if (r < 0) {
                        log_warn("Failed to load authentication cookie %s: %s", cookie_path,
                                 strerror(-r));
                        /* Same-uid and group auth still work without a cookie. */
                } else {
                        a->have_cookie = true;
                }
        }
        return 0;
}

static int native_unix_init(Module *m, ModArgs *ma) {
        Protocol *p = protocol_get(m->core);
        const char *sock = modargs_get(ma, "socket", NULL);
        _c_cleanup_free_ char *def = NULL;
        bool srb = true;
        Listener *l;
        int r, fd = -1;

        if (!p) {
                log_error("Native protocol is not available in this process");
                return ENGINE_E_MODINIT;
        }
        if (modargs_get_bool(ma, "srbchannel", &srb))
                return ENGINE_E_INVALID;
        if (!sock) {
                if (!p->config.runtime_dir)
                        return ENGINE_E_MODINIT;
                if (asprintf(&def, "%s/native", p->config.runtime_dir) < 0)
                        return -ENOMEM;
                sock = def;
                /* A socket handed over by systemd for the default path. */
                fd = p->config.inherited_fd;
                p->config.inherited_fd = -1;
        }
        r = listener_new_unix(p, m, sock, fd, &l);
        if (r < 0)
                return r == -ENOMEM ? r : ENGINE_E_MODINIT;
        m->userdata = l;
        r = auth_from_args(p, ma, &l->auth, true);
        if (r)
                return r;
        l->srbchannel = srb;
        log_info("Listening on %s", sock);
        return 0;
}

static int native_tcp_init(Module *m, ModArgs *ma) {
        Protocol *p = protocol_get(m->core);
        const char *listen_addr = modargs_get(ma, "listen", NULL);
        const char *acl = modargs_get(ma, "auth-ip-acl", NULL);
        uint32_t port = 4713;
        Listener *l;
        int r;

        if (!p)
                return ENGINE_E_MODINIT;
        if (modargs_get_u32(ma, "port", &port) || port == 0 || port > 65535) {
                log_error("port= expects a number 1..65535");
                return ENGINE_E_INVALID;
        }
        /* Our default is loopback only (IPv4 and IPv6); listen= widens it. */
        {
                const char *addrs[2] = { listen_addr ? listen_addr : "127.0.0.1",
                                         listen_addr ? NULL : "::1" };
                Listener *all[2] = { NULL, NULL };

                for (int i = 0; i < 2 && addrs[i]; i++) {
                        r = listener_new_tcp(p, m, addrs[i], (uint16_t)port, &all[i]);
                        if (r < 0 && i == 1 && r != -ENOMEM) {
                                log_info("No IPv6 loopback: listening on IPv4 only");
                                continue;
                        }
                        if (r < 0) {
                                listener_free(all[0]);
                                return r == -ENOMEM ? r : ENGINE_E_MODINIT;
                        }
                        l = all[i];
                        l->next_same_module = i == 1 ? NULL : NULL;
                        r = auth_from_args(p, ma, &l->auth, false);
                        if (r == 0 && acl) {
                                l->auth.ip_acl = calloc(1, sizeof(char *));
                                if (!l->auth.ip_acl || !(l->auth.ip_acl[0] = strdup(acl)))
                                        r = -ENOMEM;
                                else
                                        l->auth.n_ip_acl = 1;
                        }
                        if (r) {
                                listener_free(all[0]);
                                listener_free(all[1]);
                                return r;
                        }
                        log_info("Listening on %s port %u", addrs[i], port);
                }
                if (all[0] && all[1])
                        all[0]->next_same_module = all[1];
                m->userdata = all[0];
        }
        return 0;
}

static void native_done(Module *m) {
        Listener *l = m->userdata;

        while (l) {
                Listener *next = l->next_same_module;

                listener_free(l);
                l = next;
        }
        m->userdata = NULL;
}

const ModuleDesc module_native_protocol_unix_desc = {
        .name = "module-native-protocol-unix",
        .description = "Native protocol (UNIX sockets)",
        .author = "pulsecompat developers",
        .version = "16.1",
        .usage = "auth-anonymous=<don't check for cookies?> auth-cookie=<path to cookie file> "
                 "auth-cookie-enabled=<enable cookie authentication?> auth-group=<system group "
                 "for client access> auth-group-enable=<enable group access?> socket=<path to UNIX "
                 "socket> srbchannel=<enable shared ring buffer?>",
        .valid_args = unix_args,
        .init = native_unix_init,
        .done = native_done,
};

const ModuleDesc module_native_protocol_tcp_desc = {
        .name = "module-native-protocol-tcp",
        .description = "Native protocol (TCP sockets)",
        .author = "pulsecompat developers",
        .version = "16.1",
        .usage = "port=<TCP port number> listen=<address to listen on, default 127.0.0.1> "
                 "auth-anonymous=<don't check for cookies?> auth-ip-acl=<IP address ACL to allow> "
                 "auth-cookie=<path to cookie file> auth-cookie-enabled=<enable cookie authentication?>",
        .valid_args = tcp_args,
        .init = native_tcp_init,
        .done = native_done,
};

/* "a.b.c.d[/n];x:y::/n;..." against a peer address. */
bool ip_acl_match(const char *acl, const struct sockaddr *sa) {
        char buf[1024];
        char *save = NULL;

        if (!acl || strlen(acl) >= sizeof(buf))
                return false;
        strcpy(buf, acl);
        for (char *tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
                char *slash = strchr(tok, '/');
                long bits = -1;
                uint8_t want[16], have[16];
                size_t len;
                int fam;

                if (slash) {
                        *slash = 0;
                        bits = strtol(slash + 1, NULL, 10);
                }
                if (inet_pton(AF_INET, tok, want) == 1) {
                        fam = AF_INET;
                        len = 4;
                } else if (inet_pton(AF_INET6, tok, want) == 1) {
                        fam = AF_INET6;
                        len = 16;
                } else {
                        continue;
                }
                if (sa->sa_family != fam)
                        continue;
                if (fam == AF_INET)
                        memcpy(have, &((const struct sockaddr_in *)sa)->sin_addr, 4);
                else
                        memcpy(have, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
                if (bits < 0 || bits > (long)len * 8)
                        bits = (long)len * 8;
                {
                        bool ok = true;

                        for (long b = 0; b < bits && ok; b++) {
                                uint8_t mask = (uint8_t)(0x80 >> (b % 8));

                                ok = (want[b / 8] & mask) == (have[b / 8] & mask);
                        }
                        if (ok)
                                return true;
                }
        }
        return false;
}
