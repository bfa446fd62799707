/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hfp.c: the native HFP/HSP backend (we are the audio gateway).
 *
 * We register org.bluez.Profile1 objects for HFP AG and HSP AG with
 * ProfileManager1. When a headset connects, BlueZ calls NewConnection with
 * the RFCOMM socket; we run the AT service level connection on it from the
 * main loop:
 *
 *   HF: AT+BRSF=<features>   AG: +BRSF: <ours>, OK
 *   HF: AT+BAC=1,2           AG: OK                (codecs the HF has)
 *   HF: AT+CIND=? / AT+CIND? AG: indicator list / values, OK
 *   HF: AT+CMER=3,0,0,1      AG: OK                -> the SLC is up
 *   AG: +BCS: 2              HF: AT+BCS=2, AG: OK  (codec negotiation, mSBC)
 *
 * With the codec fixed, the device gets a "headset_head_unit" transport
 * (CVSD: 8 kHz, mSBC: 16 kHz, mono), which the card opens as a sink and a
 * source over SCO. HSP has no SLC: the transport exists as soon as the
 * RFCOMM link does (CVSD; the headset's AT+CKPD=200 is acknowledged).
 *
 * SCO: the gateway opens the SCO socket itself. hfp_open_sco() is the seam:
 * with module-bluez5-discover's sco_socket=PATH (a test seam, documented in
 * docs/bluetooth.md) it connects to that UNIX socket, sends one line
 * "CONNECT <address> <cvsd|msbc>\n" and receives one SOCK_SEQPACKET fd
 * (SCM_RIGHTS) with the line "MTU <n>\n". Without it, a kernel SCO socket
 * is opened (AF_BLUETOOTH; EAFNOSUPPORT on kernels without Bluetooth).
 *
 * Hostile input: lines are bounded (overlong lines are dropped), at most
 * 16 lines are handled per wake-up, unknown commands get ERROR, and a
 * broken link removes the transport (the card goes to off / away).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include "engine/base/log.h"
#include "hw/bluez/bluez.h"

#define HFP_AG_PATH "/Profile/HFPAG"
#define HSP_AG_PATH "/Profile/HSPAG"
#define HFP_LINE_MAX 256U
#define HFP_LINES_PER_WAKEUP 16

/* AG feature bits (HFP 1.7): 9 = codec negotiation */
#define AG_FEATURE_CODEC_NEGOTIATION (1U << 9)
/* HF feature bits: 7 = codec negotiation */
#define HF_FEATURE_CODEC_NEGOTIATION (1U << 7)

struct HfpConn {
        CList link;
        BtDiscovery *disc;
        char *dev_path;
        int fd;
        sd_event_source *src;
        bool hsp;
        uint32_t hf_features;
        bool hf_msbc;
        bool slc;
        int proposed;                   /* codec id we proposed with +BCS, 0 none */
        BtTransport *transport;
        char buf[HFP_LINE_MAX];
        size_t len;
        bool skipping;
};

static void conn_free(HfpConn *c) {
        c_list_unlink(&c->link);
        sd_event_source_disable_unref(c->src);
        if (c->fd >= 0)
                close(c->fd);
        if (c->transport) {
                BtTransport *t = c->transport;

                c->transport = NULL;
                t->hfp = NULL;
                bt_transport_remove(t);
        }
        free(c->dev_path);
        free(c);
}

void hfp_conn_free_all(BtDiscovery *d) {
        HfpConn *c;

        c_list_for_each_entry_safe(c, t, &d->hfp_conns, link)
                conn_free(c);
}

static void say(HfpConn *c, const char *s) {
        char line[HFP_LINE_MAX + 8];
        int n = snprintf(line, sizeof(line), "\r\n%s\r\n", s);

        /* short replies into an idle socket; a peer that does not read loses them */
        (void)send(c->fd, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void publish(HfpConn *c, BtCodec codec) {
        _c_cleanup_free_ char *path = NULL;
        BtTransport *t;
        int r;

        if (c->transport) {
                c->transport->codec = codec;
                return;
        }
        if (asprintf(&path, "%s/sco", c->dev_path) < 0)
                return;
        r = bt_device_add_transport(c->disc, c->dev_path, BT_PROFILE_HSP_HS, codec, path, &t);
        if (r) {
                log_warn("Bluetooth: cannot add the headset transport of %s (%d).", c->dev_path, r);
                return;
        }
        t->hfp = c;
        t->state = BT_TRANSPORT_ACTIVE;
        c->transport = t;
        log_info("Bluetooth: %s service level connection up, codec %s.", c->hsp ? "HSP" : "HFP",
                 codec == BT_CODEC_MSBC ? "mSBC" : "CVSD");
        bt_transport_publish(t);
}

static bool num_list_has(const char *s, int v) {
        while (*s) {
                char *end;
                long x = strtol(s, &end, 10);

                if (end == s)
                        return false;
                if (x == v)
                        return true;
                s = end;
                while (*s == ',' || *s == ' ')
                        s++;
        }
        return false;
}

static void slc_established(HfpConn *c) {
        c->slc = true;
        if ((c->hf_features & HF_FEATURE_CODEC_NEGOTIATION) && c->hf_msbc && c->disc->enable_msbc) {
                c->proposed = 2;
                say(c, "+BCS: 2");
        } else {
                publish(c, BT_CODEC_CVSD);
        }
}

static void handle_at(HfpConn *c, const char *at) {
        log_debug("Bluetooth: AT <- %s", at);
        if (strncmp(at, "AT+BRSF=", 8) == 0) {
                char reply[32];

                c->hf_features = (uint32_t)strtoul(at + 8, NULL, 10);
                snprintf(reply, sizeof(reply), "+BRSF: %u",
                         c->disc->enable_msbc ? AG_FEATURE_CODEC_NEGOTIATION : 0U);
                say(c, reply);
                say(c, "OK");
        } else if (strncmp(at, "AT+BAC=", 7) == 0) {
                c->hf_msbc = num_list_has(at + 7, 2);
                say(c, "OK");
        } else if (strcmp(at, "AT+CIND=?") == 0) {
                say(c, "+CIND: (\"service\",(0,1)),(\"call\",(0,1)),(\"callsetup\",(0-3)),"
                       "(\"callheld\",(0-2)),(\"signal\",(0-5)),(\"roam\",(0,1)),(\"battchg\",(0-5))");
                say(c, "OK");
        } else if (strcmp(at, "AT+CIND?") == 0) {
                say(c, "+CIND: 1,0,0,0,5,0,5");
                say(c, "OK");
        } else if (strncmp(at, "AT+CMER=", 8) == 0) {
                say(c, "OK");
                if (!c->slc)
                        slc_established(c);
        } else if (strcmp(at, "AT+CHLD=?") == 0) {
                say(c, "+CHLD: (0,1,2,3)");
                say(c, "OK");
        } else if (strncmp(at, "AT+BCS=", 7) == 0) {
                int codec = atoi(at + 7);

                if (c->proposed && codec == c->proposed) {
                        say(c, "OK");
                        c->proposed = 0;
                        publish(c, codec == 2 ? BT_CODEC_MSBC : BT_CODEC_CVSD);
                } else {
                        say(c, "ERROR");
                }
        } else if (strcmp(at, "AT+BCC") == 0) {
                say(c, "OK");
                if (c->slc) {
                        c->proposed = c->transport ? (c->transport->codec == BT_CODEC_MSBC ? 2 : 1)
                                      : (c->hf_msbc && c->disc->enable_msbc ? 2 : 1);
                        say(c, c->proposed == 2 ? "+BCS: 2" : "+BCS: 1");
                }
        } else if (strncmp(at, "AT+VGS=", 7) == 0 || strncmp(at, "AT+VGM=", 7) == 0 ||
                   strncmp(at, "AT+NREC=", 8) == 0 || strncmp(at, "AT+CMEE=", 8) == 0 ||
                   strncmp(at, "AT+CLIP=", 8) == 0 || strncmp(at, "AT+CCWA=", 8) == 0 ||
                   strncmp(at, "AT+BIA=", 7) == 0 || strncmp(at, "AT+CKPD=", 8) == 0 ||
                   strncmp(at, "AT+COPS", 7) == 0 || strcmp(at, "AT+CLCC") == 0 ||
                   strncmp(at, "AT+XAPL=", 8) == 0 || strncmp(at, "AT+IPHONEACCEV=", 15) == 0) {
                say(c, "OK");
        } else {
                say(c, "ERROR");
        }
}

static int on_rfcomm(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        HfpConn *c = userdata;
        char tmp[512];
        ssize_t n;
        int lines = 0;

        n = recv(fd, tmp, sizeof(tmp), MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
                log_info("Bluetooth: RFCOMM link of %s closed.", c->dev_path);
                conn_free(c);
                return 0;
        }
        for (ssize_t i = 0; i < n; i++) {
                char ch = tmp[i];

                if (ch == '\r' || ch == '\n') {
                        c->buf[c->len] = 0;
                        if (c->skipping)
                                log_warn("Bluetooth: overlong AT line dropped.");
                        else if (c->len && lines++ < HFP_LINES_PER_WAKEUP)
                                handle_at(c, c->buf);
                        c->len = 0;
                        c->skipping = false;
                        /* handle_at may have freed nothing: conn_free only runs above */
                        continue;
                }
                if ((unsigned char)ch < 0x20 || (unsigned char)ch > 0x7e)
                        continue;       /* AT commands are printable ASCII */
                if (c->len < sizeof(c->buf) - 1)
                        c->buf[c->len++] = ch;
                else
                        c->skipping = true;
        }
        return 0;
}

/* ---- Profile1 ---- */

static int profile_new_connection(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        BtDiscovery *d = userdata;
        bool hsp = strcmp(sd_bus_message_get_path(m), HSP_AG_PATH) == 0;
        const char *dev;
        HfpConn *c;
        size_t n = 0;
        int fd, type = 0, r;
        socklen_t tl = sizeof(type);

        if (!bt_from_bluez(m))
                return sd_bus_error_set(error, "org.bluez.Error.Rejected", "not BlueZ");
        r = sd_bus_message_read(m, "oh", &dev, &fd);
        if (r < 0)
                return sd_bus_error_set(error, "org.bluez.Error.InvalidArguments", "malformed");
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_STREAM)
                return sd_bus_error_set(error, "org.bluez.Error.InvalidArguments", "not a stream socket");
        c_list_for_each_entry(c, &d->hfp_conns, link) {
                if (strcmp(c->dev_path, dev) == 0)
                        return sd_bus_error_set(error, "org.bluez.Error.AlreadyConnected", "connected");
                n++;
        }
        if (n >= BT_MAX_DEVICES)
                return sd_bus_error_set(error, "org.bluez.Error.Rejected", "too many connections");
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->disc = d;
        c->hsp = hsp;
        c->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        c->dev_path = strdup(dev);
        c_list_link_tail(&d->hfp_conns, &c->link);
        if (c->fd < 0 || !c->dev_path || fcntl(c->fd, F_SETFL, O_NONBLOCK | O_RDWR) < 0 ||
            sd_event_add_io(d->event, &c->src, c->fd, EPOLLIN, on_rfcomm, c) < 0) {
                conn_free(c);
                return sd_bus_error_set(error, "org.bluez.Error.Failed", "cannot set up");
        }
        log_info("Bluetooth: %s connection from %s.", hsp ? "HSP" : "HFP", dev);
        r = sd_bus_reply_method_return(m, "");
        if (hsp)
                publish(c, BT_CODEC_CVSD);
        return r < 0 ? r : 1;
}

static int profile_request_disconnection(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        BtDiscovery *d = userdata;
        const char *dev;
        HfpConn *c;
        int r;

        if (!bt_from_bluez(m))
                return sd_bus_error_set(error, "org.bluez.Error.Rejected", "not BlueZ");
        if (sd_bus_message_read(m, "o", &dev) < 0)
                return sd_bus_error_set(error, "org.bluez.Error.InvalidArguments", "malformed");
        r = sd_bus_reply_method_return(m, "");
        c_list_for_each_entry(c, &d->hfp_conns, link)
                if (strcmp(c->dev_path, dev) == 0) {
                        conn_free(c);
                        break;
                }
        return r < 0 ? r : 1;
}

static int profile_release(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return sd_bus_reply_method_return(m, "");
}

static const sd_bus_vtable profile_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("NewConnection", "oha{sv}", "", profile_new_connection, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("RequestDisconnection", "o", "", profile_request_disconnection,
                      SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Release", "", "", profile_release, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

static int on_register_profile(sd_bus_message *m, void *userdata, sd_bus_error *e) {
        const sd_bus_error *err = sd_bus_message_get_error(m);

        if (err)
                log_warn("Bluetooth: RegisterProfile %s failed: %s", (const char *)userdata,
                         err->message ? err->message : err->name);
        return 0;
}

static int register_profile(BtDiscovery *d, const char *path, const char *uuid, const char *name,
                            uint16_t version, uint16_t features) {
        return sd_bus_call_method_async(d->bus, NULL, BLUEZ_SERVICE, "/org/bluez",
                                        BLUEZ_PROFILE_MANAGER_IFACE, "RegisterProfile",
                                        on_register_profile, (void *)path, "osa{sv}", path, uuid, 4,
                                        "Name", "s", name, "RequireAuthentication", "b", 0,
                                        "Version", "q", version, "Features", "q", features);
}

int hfp_register(BtDiscovery *d) {
        int r = 0;

        if (!d->bus)
                return 0;
        if (d->enable_hfp && !d->slot_profiles[0]) {
                r = sd_bus_add_object_vtable(d->bus, &d->slot_profiles[0], HFP_AG_PATH,
                                             BLUEZ_PROFILE_IFACE, profile_vtable, d);
                if (r >= 0)
                        r = register_profile(d, HFP_AG_PATH, UUID_HFP_AG, "HFP AG", 0x0107,
                                             d->enable_msbc ? 0x20 : 0);  /* SDP: wideband speech */
        }
        if (r >= 0 && d->enable_hsp && !d->slot_profiles[1]) {
                r = sd_bus_add_object_vtable(d->bus, &d->slot_profiles[1], HSP_AG_PATH,
                                             BLUEZ_PROFILE_IFACE, profile_vtable, d);
                if (r >= 0)
                        r = register_profile(d, HSP_AG_PATH, UUID_HSP_AG, "HSP AG", 0x0102, 0);
        }
        if (r < 0)
                log_warn("Bluetooth: cannot register the headset profiles: %s", strerror(-r));
        return r;
}

void hfp_unregister(BtDiscovery *d) {
        for (size_t i = 0; i < C_ARRAY_SIZE(d->slot_profiles); i++)
                d->slot_profiles[i] = sd_bus_slot_unref(d->slot_profiles[i]);
}

/* ---- SCO ---- */

static int sco_open_seam(const char *path, const char *address, BtCodec codec, uint16_t *ret_mtu) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct timeval tv = { .tv_sec = 2 };
        char line[64], data[64];
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } cm;
        struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) - 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf,
                             .msg_controllen = sizeof(cm.buf) };
        struct cmsghdr *ch;
        int s, fd = -1, type = 0, n, r;
        unsigned mtu = 0;
        socklen_t tl = sizeof(type);
        ssize_t l;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0)
                return -errno;
        (void)setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        (void)setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                r = -errno;
                goto out;
        }
        n = snprintf(line, sizeof(line), "CONNECT %s %s\n", address,
                     codec == BT_CODEC_MSBC ? "msbc" : "cvsd");
        if (send(s, line, (size_t)n, MSG_NOSIGNAL) != n) {
                r = -EIO;
                goto out;
        }
        l = recvmsg(s, &mh, MSG_CMSG_CLOEXEC);
        if (l <= 0) {
                r = l < 0 ? -errno : -ECONNRESET;
                goto out;
        }
        data[l] = 0;
        for (ch = CMSG_FIRSTHDR(&mh); ch; ch = CMSG_NXTHDR(&mh, ch))
                if (ch->cmsg_level == SOL_SOCKET && ch->cmsg_type == SCM_RIGHTS &&
                    ch->cmsg_len == CMSG_LEN(sizeof(int)))
                        memcpy(&fd, CMSG_DATA(ch), sizeof(int));
        r = -EPROTO;
        if (fd < 0 || (mh.msg_flags & MSG_CTRUNC) || sscanf(data, "MTU %u", &mtu) != 1 ||
            mtu == 0 || mtu > 1024)
                goto out;
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_SEQPACKET ||
            fcntl(fd, F_SETFL, O_NONBLOCK | O_RDWR) < 0)
                goto out;
        *ret_mtu = (uint16_t)mtu;
        r = fd;
        fd = -1;
out:
        if (fd >= 0)
                close(fd);
        close(s);
        return r;
}

/* The kernel's SCO socket (linux/bluetooth headers are not needed for these few
 * constants). Untested here: this kernel has no AF_BLUETOOTH. */
#define PC_AF_BLUETOOTH 31
#define PC_BTPROTO_SCO 2
#define PC_SOL_BLUETOOTH 274
#define PC_BT_VOICE 11
#define PC_BT_VOICE_TRANSPARENT 0x0003
#define PC_SOL_SCO 17
#define PC_SCO_OPTIONS 1

struct pc_sockaddr_sco {
        sa_family_t sco_family;
        uint8_t sco_bdaddr[6];
};

static int sco_open_kernel(const char *address, BtCodec codec, uint16_t *ret_mtu) {
        struct pc_sockaddr_sco sa = { .sco_family = PC_AF_BLUETOOTH };
        struct timeval tv = { .tv_sec = 2 };
        unsigned b[6];
        uint16_t opt[1] = { 0 };
        socklen_t ol = sizeof(opt);
        int fd, r;

        if (sscanf(address, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
                return -EINVAL;
        for (int i = 0; i < 6; i++)
                sa.sco_bdaddr[i] = (uint8_t)b[5 - i];       /* bdaddr_t is little-endian */
        fd = socket(PC_AF_BLUETOOTH, SOCK_SEQPACKET | SOCK_CLOEXEC, PC_BTPROTO_SCO);
        if (fd < 0)
                return -errno;
        if (codec == BT_CODEC_MSBC) {
                uint16_t voice = PC_BT_VOICE_TRANSPARENT;

                if (setsockopt(fd, PC_SOL_BLUETOOTH, PC_BT_VOICE, &voice, sizeof(voice)) < 0)
                        goto fail;
        }
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                goto fail;
        if (getsockopt(fd, PC_SOL_SCO, PC_SCO_OPTIONS, opt, &ol) < 0 || opt[0] == 0)
                opt[0] = 48;
        if (fcntl(fd, F_SETFL, O_NONBLOCK | O_RDWR) < 0)
                goto fail;
        *ret_mtu = codec == BT_CODEC_MSBC ? MSBC_PACKET : opt[0];
        return fd;
fail:
        r = -errno;
        close(fd);
        return r;
}

int hfp_open_sco(BtTransport *t, uint16_t *ret_mtu) {
        BtDiscovery *d = t->device->disc;

        if (d->sco_socket)
                return sco_open_seam(d->sco_socket, t->device->address, t->codec, ret_mtu);
        return sco_open_kernel(t->device->address, t->codec, ret_mtu);
}
