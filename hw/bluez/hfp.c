/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hfp.c: the native HFP/HSP backend, in both roles.
 *
 * We register org.bluez.Profile1 objects with ProfileManager1: HFP AG and HSP
 * AG (we are the audio gateway of a headset: card profile "headset_head_unit")
 * and, unless enable_native_hfp_hf=no, HFP HF and HSP HS (we are the
 * hands-free unit of a phone: card profile "headset_audio_gateway", named
 * after the remote's role). BlueZ calls NewConnection with the RFCOMM socket;
 * we run the AT service level connection (SLC) on it from the main loop.
 *
 * Audio gateway role (the remote drives):
 *   HF: AT+BRSF=<features>   AG: +BRSF: <ours>, OK
 *   HF: AT+BAC=1,2           AG: OK                (codecs the HF has)
 *   HF: AT+CIND=? / AT+CIND? AG: indicator list / values, OK
 *   HF: AT+CMER=3,0,0,1      AG: OK                -> the SLC is up
 *   AG: +BCS: 2              HF: AT+BCS=2, AG: OK  (codec negotiation, mSBC)
 *
 * Hands-free role (we drive, one command at a time, each waiting for OK):
 *   AT+BRSF=<ours> (+BRSF: <AG features>), AT+BAC=1,2 when both sides
 *   negotiate codecs and mSBC is enabled, AT+CIND=?, AT+CIND?, AT+CMER=3,0,0,1
 *   -> SLC up. The AG then selects the codec with +BCS: <id>, which we confirm
 *   with AT+BCS=<id> (an id we cannot do is answered with AT+BAC). Without
 *   codec negotiation the codec is CVSD at once; with it, CVSD is assumed when
 *   the AG has not selected a codec within 3 s (a later +BCS still switches).
 *
 * With the codec fixed, the device gets a transport ("<device>/sco",
 * CVSD: 8 kHz, mSBC: 16 kHz, mono), which the card opens as a sink and a
 * source over SCO (sco.c). HSP has no SLC: the transport exists as soon as
 * the RFCOMM link does (CVSD; AT+CKPD=200 is acknowledged).
 *
 * Gains (0..15): AT+VGS/AT+VGM from a headset, +VGS/+VGM from a phone, go to
 * the card (bt_card_transport_gain); the card's volume changes come back
 * through hfp_send_gain(). As the AG we send +VGS/+VGM only to a headset
 * that has remote volume control (HFP: HF feature bit 4; HSP: assumed), and
 * such a headset applies the gains itself (hardware volume). As the HF we
 * advertise remote volume control, apply the AG's gains in software and
 * report our own changes with AT+VGS/AT+VGM.
 *
 * Hostile input: lines are bounded (overlong lines are dropped), at most
 * 16 lines are handled per wake-up, unknown commands get ERROR (AG role) or
 * are ignored (HF role: unsolicited results we do not use), gains outside
 * 0..15 are refused, and a broken link removes the transport (the card goes
 * to off / away).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "engine/base/log.h"
#include "hw/bluez/bluez.h"

#define HFP_AG_PATH "/Profile/HFPAG"
#define HSP_AG_PATH "/Profile/HSPAG"
#define HFP_HF_PATH "/Profile/HFPHF"
#define HSP_HS_PATH "/Profile/HSPHS"
#define HFP_LINE_MAX 256U
#define HFP_LINES_PER_WAKEUP 16
#define HFP_CODEC_WAIT_USEC (3ULL * 1000000ULL)

/* AG feature bits (HFP 1.7): 9 = codec negotiation */
#define AG_FEATURE_CODEC_NEGOTIATION (1U << 9)
/* HF feature bits: 4 = remote volume control, 7 = codec negotiation */
#define HF_FEATURE_REMOTE_VOLUME (1U << 4)
#define HF_FEATURE_CODEC_NEGOTIATION (1U << 7)

/* HF role: what the command in flight is */
typedef enum HfStep {
        HF_IDLE,
        HF_BRSF,
        HF_BAC,
        HF_CIND_TEST,
        HF_CIND,
        HF_CMER,
        HF_BCS,
        HF_OTHER,                       /* after the SLC: a gain report, AT+BAC */
} HfStep;

struct HfpConn {
        CList link;
        BtDiscovery *disc;
        char *dev_path;
        int fd;
        sd_event_source *src;
        sd_event_source *codec_timer;   /* HF role: waiting for the AG's +BCS */
        bool hsp;
        bool hf_role;                   /* we are the HF/HS, the remote is the AG */
        uint32_t remote_features;       /* the other side's BRSF */
        bool hf_msbc;                   /* AG role: the HF listed mSBC in AT+BAC */
        bool slc;
        int proposed;                   /* AG role: codec id we proposed with +BCS, 0 none */
        HfStep step;                    /* HF role: command waiting for OK/ERROR */
        int bcs;                        /* HF role: codec being confirmed / to confirm */
        int queued_gain[_HFP_GAIN_N];   /* HF role: gain report waiting, -1 none */
        uint8_t gain[_HFP_GAIN_N];      /* gains seen before the transport exists */
        bool has_gain[_HFP_GAIN_N];
        BtTransport *transport;
        char buf[HFP_LINE_MAX];
        size_t len;
        bool skipping;
};

static void conn_free(HfpConn *c) {
        c_list_unlink(&c->link);
        sd_event_source_disable_unref(c->src);
        sd_event_source_disable_unref(c->codec_timer);
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

/* AG role: a result code, framed as <cr><lf>text<cr><lf> */
static void say(HfpConn *c, const char *s) {
        char line[HFP_LINE_MAX + 8];
        int n = snprintf(line, sizeof(line), "\r\n%s\r\n", s);

        /* short replies into an idle socket; a peer that does not read loses them */
        (void)send(c->fd, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* HF role: a command, terminated by <cr>; step is what its OK will mean */
static void send_cmd(HfpConn *c, HfStep step, const char *fmt, ...) _c_printf_(3, 4);
static void send_cmd(HfpConn *c, HfStep step, const char *fmt, ...) {
        char line[HFP_LINE_MAX];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= sizeof(line) - 1)
                return;
        log_debug("Bluetooth: AT -> %s", line);
        line[n++] = '\r';
        (void)send(c->fd, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
        c->step = step;
}

static BtProfile conn_profile(HfpConn *c) {
        return c->hf_role ? BT_PROFILE_HFP_AG : BT_PROFILE_HSP_HS;
}

static void publish(HfpConn *c, BtCodec codec) {
        _c_cleanup_free_ char *path = NULL;
        BtTransport *t;
        int r;

        c->codec_timer = sd_event_source_disable_unref(c->codec_timer);
        if (c->transport) {
                if (c->transport->codec == codec)
                        return;
                /* a new codec means new devices (another rate): the transport is rebuilt */
                t = c->transport;
                c->transport = NULL;
                t->hfp = NULL;
                bt_transport_remove(t);
        }
        if (asprintf(&path, "%s/sco", c->dev_path) < 0)
                return;
        r = bt_device_add_transport(c->disc, c->dev_path, conn_profile(c), codec, path, &t);
        if (r) {
                log_warn("Bluetooth: cannot add the headset transport of %s (%d).", c->dev_path, r);
                return;
        }
        t->hfp = c;
        t->state = BT_TRANSPORT_ACTIVE;
        for (int g = 0; g < _HFP_GAIN_N; g++) {
                t->gain[g] = c->gain[g];
                t->has_gain[g] = c->has_gain[g];
        }
        c->transport = t;
        log_info("Bluetooth: %s %s link up, codec %s.", c->hsp ? "HSP" : "HFP",
                 c->hf_role ? "hands-free" : "audio gateway", codec == BT_CODEC_MSBC ? "mSBC" : "CVSD");
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

/* "<n>" with 0 <= n <= max and nothing after it (spaces allowed before) */
static int parse_uint(const char *s, unsigned long max, unsigned long *ret) {
        char *end;
        unsigned long v;

        while (*s == ' ')
                s++;
        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* A gain from the remote (0..15). */
static void remote_gain(HfpConn *c, HfpGain g, unsigned long v) {
        c->gain[g] = (uint8_t)v;
        c->has_gain[g] = true;
        if (!c->transport)
                return;
        c->transport->gain[g] = (uint8_t)v;
        c->transport->has_gain[g] = true;
        if (c->transport->device->card)
                bt_card_transport_gain(c->transport->device->card, c->transport, g);
}

bool hfp_remote_applies_gain(HfpConn *c) {
        if (!c || c->hf_role)
                return false;
        return c->hsp || (c->remote_features & HF_FEATURE_REMOTE_VOLUME);
}

static void hf_flush(HfpConn *c);

void hfp_send_gain(HfpConn *c, HfpGain g, unsigned gain) {
        const char *what = g == HFP_GAIN_SPEAKER ? "VGS" : "VGM";
        char line[32];

        if (!c || gain > 15)
                return;
        if (c->has_gain[g] && c->gain[g] == gain)
                return;         /* the remote has it already (or it came from there) */
        if (!c->hf_role) {
                if (!hfp_remote_applies_gain(c))
                        return;
                snprintf(line, sizeof(line), c->hsp ? "+%s=%u" : "+%s: %u", what, gain);
                say(c, line);
        } else {
                if (!c->slc && !c->hsp)
                        return;
                c->queued_gain[g] = (int)gain;
                hf_flush(c);
        }
        c->gain[g] = (uint8_t)gain;
        c->has_gain[g] = true;
        if (c->transport) {
                c->transport->gain[g] = (uint8_t)gain;
                c->transport->has_gain[g] = true;
        }
}

/* ---- audio gateway role ---- */

static void slc_established(HfpConn *c) {
        c->slc = true;
        if ((c->remote_features & HF_FEATURE_CODEC_NEGOTIATION) && c->hf_msbc && c->disc->enable_msbc) {
                c->proposed = 2;
                say(c, "+BCS: 2");
        } else {
                publish(c, BT_CODEC_CVSD);
        }
}

static int ag_handle(HfpConn *c, const char *at) {
        unsigned long v;

        if (strncmp(at, "AT+BRSF=", 8) == 0) {
                char reply[32];

                if (parse_uint(at + 8, UINT32_MAX, &v) < 0) {
                        say(c, "ERROR");
                        return 0;
                }
                c->remote_features = (uint32_t)v;
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
        } else if (strncmp(at, "AT+VGS=", 7) == 0 || strncmp(at, "AT+VGM=", 7) == 0) {
                if (parse_uint(at + 7, 15, &v) < 0) {
                        say(c, "ERROR");
                        return 0;
                }
                say(c, "OK");
                remote_gain(c, at[5] == 'S' ? HFP_GAIN_SPEAKER : HFP_GAIN_MIC, v);
        } else if (strncmp(at, "AT+NREC=", 8) == 0 || strncmp(at, "AT+CMEE=", 8) == 0 ||
                   strncmp(at, "AT+CLIP=", 8) == 0 || strncmp(at, "AT+CCWA=", 8) == 0 ||
                   strncmp(at, "AT+BIA=", 7) == 0 || strncmp(at, "AT+CKPD=", 8) == 0 ||
                   strncmp(at, "AT+COPS", 7) == 0 || strcmp(at, "AT+CLCC") == 0 ||
                   strncmp(at, "AT+XAPL=", 8) == 0 || strncmp(at, "AT+IPHONEACCEV=", 15) == 0) {
                say(c, "OK");
        } else {
                say(c, "ERROR");
        }
        return 0;
}

/* ---- hands-free role ---- */

static int on_codec_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        HfpConn *c = userdata;

        log_info("Bluetooth: the audio gateway %s selected no codec; using CVSD.", c->dev_path);
        publish(c, BT_CODEC_CVSD);      /* disables the timer */
        return 0;
}

static bool hf_codec_negotiation(HfpConn *c) {
        return (c->remote_features & AG_FEATURE_CODEC_NEGOTIATION) && c->disc->enable_msbc;
}

static uint32_t hf_features(BtDiscovery *d) {
        return HF_FEATURE_REMOTE_VOLUME | (d->enable_msbc ? HF_FEATURE_CODEC_NEGOTIATION : 0U);
}

/* Sends what waits for the command channel: a codec confirmation, then gain reports. */
static void hf_flush(HfpConn *c) {
        if (c->step != HF_IDLE || (!c->slc && !c->hsp))
                return;
        if (c->bcs) {
                send_cmd(c, HF_BCS, "AT+BCS=%d", c->bcs);
                return;
        }
        for (int g = 0; g < _HFP_GAIN_N; g++)
                if (c->queued_gain[g] >= 0) {
                        send_cmd(c, HF_OTHER, "AT+%s=%d", g == HFP_GAIN_SPEAKER ? "VGS" : "VGM",
                                 c->queued_gain[g]);
                        c->queued_gain[g] = -1;
                        return;
                }
}

static void hf_slc_established(HfpConn *c) {
        int r;

        c->slc = true;
        log_info("Bluetooth: service level connection to the audio gateway %s up.", c->dev_path);
        if (!hf_codec_negotiation(c)) {
                publish(c, BT_CODEC_CVSD);
                return;
        }
        if (c->transport || c->codec_timer || c->bcs)
                return;
        r = sd_event_add_time_relative(c->disc->event, &c->codec_timer, CLOCK_MONOTONIC,
                                       HFP_CODEC_WAIT_USEC, 0, on_codec_timeout, c);
        if (r < 0)
                publish(c, BT_CODEC_CVSD);
}

/* The OK (ok = true) or ERROR that ends the command in flight. <0: drop the link. */
static int hf_final(HfpConn *c, bool ok) {
        HfStep step = c->step;

        c->step = HF_IDLE;
        switch (step) {
        case HF_BRSF:
                if (!ok)
                        break;
                if (hf_codec_negotiation(c))
                        send_cmd(c, HF_BAC, "AT+BAC=1,2");
                else
                        send_cmd(c, HF_CIND_TEST, "AT+CIND=?");
                return 0;
        case HF_BAC:            /* an AG that refuses the list still does CVSD */
                send_cmd(c, HF_CIND_TEST, "AT+CIND=?");
                return 0;
        case HF_CIND_TEST:
                if (ok)
                        send_cmd(c, HF_CIND, "AT+CIND?");
                break;
        case HF_CIND:
                if (ok)
                        send_cmd(c, HF_CMER, "AT+CMER=3,0,0,1");
                break;
        case HF_CMER:
                if (!ok)
                        break;
                hf_slc_established(c);
                hf_flush(c);
                return 0;
        case HF_BCS: {
                int id = c->bcs;

                c->bcs = 0;
                if (ok)
                        publish(c, id == 2 ? BT_CODEC_MSBC : BT_CODEC_CVSD);
                hf_flush(c);
                return 0;
        }
        case HF_IDLE:
        case HF_OTHER:
                hf_flush(c);
                return 0;
        }
        if (ok)
                return 0;
        log_warn("Bluetooth: the audio gateway %s refused the service level connection.", c->dev_path);
        return -EPROTO;
}

/* "+NAME: value" or "+NAME=value" (HSP) -> value, or NULL */
static const char *result_value(const char *line, const char *name) {
        size_t n = strlen(name);

        if (strncmp(line, name, n) != 0 || (line[n] != ':' && line[n] != '='))
                return NULL;
        return line + n + 1;
}

static int hf_handle(HfpConn *c, const char *line) {
        const char *v;
        unsigned long x;

        if (strcmp(line, "OK") == 0)
                return hf_final(c, true);
        if (strcmp(line, "ERROR") == 0 || strncmp(line, "+CME ERROR", 10) == 0)
                return hf_final(c, false);
        if ((v = result_value(line, "+BRSF"))) {
                if (parse_uint(v, UINT32_MAX, &x) == 0)
                        c->remote_features = (uint32_t)x;
        } else if ((v = result_value(line, "+BCS"))) {
                if (parse_uint(v, 255, &x) < 0 || !c->slc)
                        return 0;
                if (x == 1 || (x == 2 && c->disc->enable_msbc)) {
                        c->bcs = (int)x;
                        hf_flush(c);
                } else if (c->step == HF_IDLE) {
                        /* not a codec we have: tell the AG again what we do */
                        send_cmd(c, HF_OTHER, "AT+BAC=%s", c->disc->enable_msbc ? "1,2" : "1");
                }
        } else if ((v = result_value(line, "+VGS")) || (v = result_value(line, "+VGM"))) {
                if (parse_uint(v, 15, &x) == 0)
                        remote_gain(c, line[3] == 'S' ? HFP_GAIN_SPEAKER : HFP_GAIN_MIC, x);
                else
                        log_warn("Bluetooth: gain out of range from %s ignored.", c->dev_path);
        }
        /* +CIND, +CIEV, RING, +CLIP, ...: nothing we use */
        return 0;
}

static int on_rfcomm(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        HfpConn *c = userdata;
        char tmp[512];
        ssize_t n;
        int lines = 0;

        n = recv(fd, tmp, sizeof(tmp), MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) {
                log_info("Bluetooth: RFCOMM link of %s closed.", c->dev_path);
                conn_free(c);
                return 0;
        }
        for (ssize_t i = 0; i < n; i++) {
                char ch = tmp[i];

                if (ch == '\r' || ch == '\n') {
                        int r = 0;

                        c->buf[c->len] = 0;
                        if (c->skipping)
                                log_warn("Bluetooth: overlong AT line dropped.");
                        else if (c->len && lines++ < HFP_LINES_PER_WAKEUP) {
                                log_debug("Bluetooth: AT <- %s", c->buf);
                                r = c->hf_role ? hf_handle(c, c->buf) : ag_handle(c, c->buf);
                        }
                        c->len = 0;
                        c->skipping = false;
                        if (r < 0) {
                                conn_free(c);
                                return 0;
                        }
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
        const char *path = sd_bus_message_get_path(m);
        bool hsp = strcmp(path, HSP_AG_PATH) == 0 || strcmp(path, HSP_HS_PATH) == 0;
        bool hf_role = strcmp(path, HFP_HF_PATH) == 0 || strcmp(path, HSP_HS_PATH) == 0;
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
        c->hf_role = hf_role;
        c->queued_gain[HFP_GAIN_SPEAKER] = c->queued_gain[HFP_GAIN_MIC] = -1;
        c->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        c->dev_path = strdup(dev);
        c_list_link_tail(&d->hfp_conns, &c->link);
        if (c->fd < 0 || !c->dev_path || fcntl(c->fd, F_SETFL, O_NONBLOCK | O_RDWR) < 0 ||
            sd_event_add_io(d->event, &c->src, c->fd, EPOLLIN, on_rfcomm, c) < 0) {
                conn_free(c);
                return sd_bus_error_set(error, "org.bluez.Error.Failed", "cannot set up");
        }
        log_info("Bluetooth: %s %s connection from %s.", hsp ? "HSP" : "HFP",
                 hf_role ? "audio gateway" : "headset", dev);
        r = sd_bus_reply_method_return(m, "");
        if (hsp)
                publish(c, BT_CODEC_CVSD);
        else if (hf_role)
                send_cmd(c, HF_BRSF, "AT+BRSF=%u", hf_features(d));
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
        if (r >= 0 && d->enable_hf && d->enable_hfp && !d->slot_profiles[2]) {
                r = sd_bus_add_object_vtable(d->bus, &d->slot_profiles[2], HFP_HF_PATH,
                                             BLUEZ_PROFILE_IFACE, profile_vtable, d);
                /* SDP: remote volume control, wideband speech */
                if (r >= 0)
                        r = register_profile(d, HFP_HF_PATH, UUID_HFP_HF, "HFP HF", 0x0107,
                                             0x10 | (d->enable_msbc ? 0x20 : 0));
        }
        if (r >= 0 && d->enable_hf && d->enable_hsp && !d->slot_profiles[3]) {
                r = sd_bus_add_object_vtable(d->bus, &d->slot_profiles[3], HSP_HS_PATH,
                                             BLUEZ_PROFILE_IFACE, profile_vtable, d);
                if (r >= 0)
                        r = register_profile(d, HSP_HS_PATH, UUID_HSP_HS, "HSP HS", 0x0102, 0);
        }
        if (r < 0)
                log_warn("Bluetooth: cannot register the headset profiles: %s", strerror(-r));
        return r;
}

void hfp_unregister(BtDiscovery *d) {
        for (size_t i = 0; i < C_ARRAY_SIZE(d->slot_profiles); i++)
                d->slot_profiles[i] = sd_bus_slot_unref(d->slot_profiles[i]);
}
