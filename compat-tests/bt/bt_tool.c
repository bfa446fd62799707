/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bt_tool.c: test-side helpers of the Bluetooth tests (libsbc only, independent of
 * the daemon's code).
 *
 *   bt_tool tone OUT.raw RATE CHANNELS SECONDS       s16le test chord (abrupt start)
 *   bt_tool pcmcmp REF.raw GOT.raw CHANNELS MIN_SNR_DB [MIN_SECONDS RATE]
 *        align GOT to REF (onset, then least error within +-150 frames), print the
 *        lag and the SNR per channel; exit 0 when every channel reaches MIN_SNR_DB
 *        over at least MIN_SECONDS of overlap
 *   bt_tool sbcpkts IN.raw OUT.pkts CONFIG_HEX MTU   RTP/SBC packets ([u32 len][pkt])
 *   bt_tool pktcheck IN.pkts MTU FRAMES              every packet <= MTU and carrying
 *        FRAMES SBC frames (the last may carry fewer); prints counts
 *   bt_tool sco-peer SOCK CODEC MTU SECONDS SENT.raw GOT.raw
 *        plays the SCO "controller" behind the daemon's sco_socket seam: hands out one
 *        end of a SEQPACKET pair, sends a tone (mSBC split at odd offsets, or CVSD raw
 *        PCM in MTU packets) in real time and decodes what the daemon sends
 */

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sbc/sbc.h>

static int16_t *load(const char *path, size_t *n_samples) {
        FILE *f = fopen(path, "rb");
        long n;
        int16_t *b;

        if (!f)
                return NULL;
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        b = malloc(n > 0 ? (size_t)n : 2);
        *n_samples = b ? fread(b, 2, (size_t)n / 2, f) : 0;
        fclose(f);
        return b;
}

static double tone_value(unsigned ch, uint64_t i, unsigned rate) {
        static const double f[2][2] = { { 440, 1000 }, { 660, 1500 } };
        double t = (double)i / rate;

        return 9000 * sin(2 * M_PI * f[ch & 1][0] * t) + 6000 * sin(2 * M_PI * f[ch & 1][1] * t);
}

static int cmd_tone(int argc, char **argv) {
        unsigned rate = (unsigned)atoi(argv[3]), ch = (unsigned)atoi(argv[4]);
        uint64_t frames = (uint64_t)(atof(argv[5]) * rate);
        FILE *f = fopen(argv[2], "wb");

        if (!f || !rate || !ch)
                return 2;
        for (uint64_t i = 0; i < frames; i++)
                for (unsigned c = 0; c < ch; c++) {
                        int16_t v = (int16_t)lrint(tone_value(c, i, rate));

                        fwrite(&v, 2, 1, f);
                }
        return fclose(f) ? 2 : 0;
}

static long onset(const int16_t *s, size_t frames, unsigned ch) {
        for (size_t i = 0; i < frames; i++)
                if (abs(s[i * ch]) > 1500)
                        return (long)i;
        return -1;
}

static int cmd_pcmcmp(int argc, char **argv) {
        size_t nr, ng;
        int16_t *r = load(argv[2], &nr), *g = load(argv[3], &ng);
        unsigned ch = (unsigned)atoi(argv[4]);
        double min_snr = atof(argv[5]), min_sec = argc > 6 ? atof(argv[6]) : 0.5;
        unsigned rate = argc > 7 ? (unsigned)atoi(argv[7]) : 44100;
        long orr, og, best = 0, from, to;
        double best_err = INFINITY;
        int ok = 1;

        if (!r || !g || !ch) {
                printf("pcmcmp: cannot read inputs\n");
                free(r);
                free(g);
                return 1;
        }
        nr /= ch;
        ng /= ch;
        orr = onset(r, nr, ch);
        og = onset(g, ng, ch);
        if (argc > 8 && strcmp(argv[8], "periodic") == 0 && og >= 0 && orr >= 0) {
                /* REF is a periodic tone that was already running when GOT started:
                 * search where in REF (within its first 4000 frames after the onset
                 * of GOT's signal) GOT lines up */
                long shift = og + 1000;

                for (long off = 0; off < 4000; off++) {
                        double e = 0;

                        for (long j = shift; j < shift + 4000; j++) {
                                long i = j - shift + orr + off;
                                double d;

                                if (j >= (long)ng || i >= (long)nr) {
                                        e = INFINITY;
                                        break;
                                }
                                d = (double)r[i * ch] - g[j * ch];
                                e += d * d;
                        }
                        if (e < best_err) {
                                best_err = e;
                                best = off;
                        }
                }
                /* GOT frame j pairs with REF frame j - shift + orr + best */
                best = shift - orr - best;
                from = orr + 1000;
                if (from + best < shift)
                        from = shift - best;
                goto measure;
        }
        if (orr < 0 || og < 0) {
                printf("pcmcmp: no signal (ref onset %ld, got onset %ld, got %zu frames)\n", orr, og, ng);
                free(r);
                free(g);
                return 1;
        }
        for (long lag = og - orr - 150; lag <= og - orr + 150; lag++) {
                double e = 0;

                for (long i = orr + 2000; i < orr + 6000; i++) {
                        long j = i + lag;
                        double d;

                        if (i >= (long)nr || j < 0 || j >= (long)ng) {
                                e = INFINITY;
                                break;
                        }
                        d = (double)r[i * ch] - g[j * ch];
                        e += d * d;
                }
                if (e < best_err) {
                        best_err = e;
                        best = lag;
                }
        }
        from = orr + 1000;
measure:
        to = (long)nr;
        if (to + best > (long)ng)
                to = (long)ng - best;
        to -= 500;              /* the tail may be cut by the stream's end */
        printf("pcmcmp: ref=%zu got=%zu frames, onset ref=%ld got=%ld, lag=%ld, compared=%ld frames (%.2f s)\n",
               nr, ng, orr, og, best, to - from, (double)(to - from) / rate);
        if (to - from < (long)(min_sec * rate)) {
                printf("pcmcmp: too little overlap (need %.2f s)\n", min_sec);
                free(r);
                free(g);
                return 1;
        }
        for (unsigned c = 0; c < ch; c++) {
                double sig = 0, noise = 0, snr;

                for (long i = from; i < to; i++) {
                        double a = r[i * ch + c], b = g[(i + best) * ch + c];

                        sig += a * a;
                        noise += (a - b) * (a - b);
                }
                snr = 10 * log10(sig / (noise + 1e-9));
                printf("pcmcmp: channel %u SNR %.1f dB (min %.1f)\n", c, snr, min_snr);
                if (!(snr >= min_snr))
                        ok = 0;
        }
        free(r);
        free(g);
        return ok ? 0 : 1;
}

static int cmd_sbcpkts(int argc, char **argv) {
        size_t n;
        int16_t *pcm = load(argv[2], &n);
        FILE *out = fopen(argv[3], "wb");
        unsigned cfg_hex = (unsigned)strtoul(argv[4], NULL, 16), mtu = (unsigned)atoi(argv[5]);
        uint8_t cfg[4] = { cfg_hex >> 24, cfg_hex >> 16, cfg_hex >> 8, cfg_hex };
        sbc_t sbc;
        size_t codesize, flen, pos = 0, bytes = n * 2;
        unsigned per, spf, seq = 0, ts = 0, packets = 0;

        if (!pcm || !out || sbc_init_a2dp(&sbc, 0, cfg, 4) < 0)
                return 2;
        sbc.endian = SBC_LE;
        sbc.bitpool = cfg[3];
        codesize = sbc_get_codesize(&sbc);
        flen = sbc_get_frame_length(&sbc);
        per = (unsigned)((mtu - 13) / flen);
        if (per > 15)
                per = 15;
        spf = (unsigned)(codesize / ((cfg[0] & 0x08) ? 2 : 4));
        while (pos + codesize * per <= bytes) {
                uint8_t pkt[4096];
                size_t p = 13;
                uint32_t len;

                for (unsigned i = 0; i < per; i++) {
                        ssize_t w = 0;

                        sbc_encode(&sbc, (uint8_t *)pcm + pos, codesize, pkt + p, sizeof(pkt) - p, &w);
                        pos += codesize;
                        p += (size_t)w;
                }
                pkt[0] = 0x80;
                pkt[1] = 96;
                pkt[2] = (uint8_t)(seq >> 8);
                pkt[3] = (uint8_t)seq;
                pkt[4] = (uint8_t)(ts >> 24);
                pkt[5] = (uint8_t)(ts >> 16);
                pkt[6] = (uint8_t)(ts >> 8);
                pkt[7] = (uint8_t)ts;
                memset(pkt + 8, 0, 3);
                pkt[11] = 1;
                pkt[12] = (uint8_t)per;
                seq++;
                ts += per * spf;
                len = (uint32_t)p;
                fwrite(&len, 4, 1, out);
                fwrite(pkt, 1, p, out);
                packets++;
        }
        printf("sbcpkts: %u packets, %u frames each, frame %zu bytes\n", packets, per, flen);
        sbc_finish(&sbc);
        free(pcm);
        return fclose(out) ? 2 : 0;
}

static int cmd_pktcheck(int argc, char **argv) {
        FILE *f = fopen(argv[2], "rb");
        unsigned mtu = (unsigned)atoi(argv[3]), want = (unsigned)atoi(argv[4]);
        unsigned packets = 0, too_big = 0, wrong = 0, max = 0;
        uint32_t len;
        uint8_t pkt[65536];

        if (!f)
                return 2;
        while (fread(&len, 4, 1, f) == 1 && len <= sizeof(pkt) && fread(pkt, 1, len, f) == len) {
                packets++;
                if (len > max)
                        max = len;
                if (len > mtu)
                        too_big++;
                if (len < 13 || (pkt[12] & 0x0f) != want)
                        wrong++;
        }
        printf("pktcheck: packets=%u max_len=%u over_mtu=%u frame_count_mismatch=%u\n", packets, max,
               too_big, wrong);
        /* the stream's last packet may be short when it stopped: allow one */
        return packets > 0 && too_big == 0 && wrong <= 1 ? 0 : 1;
}

static uint64_t now_ns(void) {
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static int cmd_sco_peer(int argc, char **argv) {
        const char *path = argv[2];
        int msbc = strcmp(argv[3], "msbc") == 0;
        unsigned mtu = (unsigned)atoi(argv[4]);
        double secs = atof(argv[5]);
        FILE *sent = fopen(argv[6], "wb"), *got = fopen(argv[7], "wb");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        unsigned rate = msbc ? 16000 : 8000;
        int l, c, sv[2];
        char line[128] = { 0 };
        uint64_t t0, i = 0, frames_total = (uint64_t)(secs * rate);
        sbc_t enc, dec;
        static const uint8_t h2[4] = { 0x08, 0x38, 0xc8, 0xf8 };
        uint8_t stream[4096];
        size_t stream_len = 0;
        unsigned split = 0, pkts_in = 0, bad_in = 0, seq = 0;
        static const unsigned splits[] = { 60, 24, 48, 60, 36, 60, 12, 60 };

        if (!sent || !got || !mtu)
                return 2;
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        unlink(path);
        l = socket(AF_UNIX, SOCK_STREAM, 0);
        if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 1) < 0) {
                perror("sco-peer: bind");
                return 2;
        }
        printf("READY\n");
        fflush(stdout);
        c = accept(l, NULL, NULL);
        if (c < 0 || read(c, line, sizeof(line) - 1) <= 0)
                return 2;
        printf("request: %s", line);
        socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
        {
                char msg[32];
                union {
                        struct cmsghdr h;
                        char buf[CMSG_SPACE(sizeof(int))];
                } cm;
                struct iovec iov = { .iov_base = msg, .iov_len = (size_t)snprintf(msg, sizeof(msg), "MTU %u\n", mtu) };
                struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf,
                                     .msg_controllen = sizeof(cm.buf) };
                struct cmsghdr *ch = CMSG_FIRSTHDR(&mh);

                ch->cmsg_level = SOL_SOCKET;
                ch->cmsg_type = SCM_RIGHTS;
                ch->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(ch), &sv[1], sizeof(int));
                if (sendmsg(c, &mh, 0) < 0)
                        return 2;
                close(sv[1]);
                close(c);
        }
        sbc_init_msbc(&enc, 0);
        sbc_init_msbc(&dec, 0);
        enc.endian = dec.endian = SBC_LE;
        t0 = now_ns();
        while (i < frames_total) {
                /* one 7.5 ms step (mSBC frame) or one MTU of CVSD */
                unsigned step = msbc ? 120 : mtu / 2;
                int16_t pcm[512];
                uint8_t buf[2048];
                ssize_t n;
                uint64_t due = t0 + i * 1000000000ULL / rate;
                struct timespec ts = { .tv_sec = (time_t)(due / 1000000000ULL),
                                       .tv_nsec = (long)(due % 1000000000ULL) };

                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
                for (unsigned k = 0; k < step; k++)
                        pcm[k] = (int16_t)lrint(tone_value(0, i + k, rate));
                fwrite(pcm, 2, step, sent);
                if (msbc) {
                        ssize_t w = 0;

                        stream[stream_len] = 0x01;
                        stream[stream_len + 1] = h2[seq++ & 3];
                        sbc_encode(&enc, pcm, 240, stream + stream_len + 2, 57, &w);
                        stream[stream_len + 59] = 0;
                        stream_len += 60;
                        /* the "controller" cuts the byte stream at odd offsets */
                        while (stream_len >= splits[split % 8]) {
                                unsigned s = splits[split++ % 8];

                                (void)send(sv[0], stream, s, MSG_DONTWAIT);
                                memmove(stream, stream + s, stream_len - s);
                                stream_len -= s;
                        }
                } else {
                        (void)send(sv[0], pcm, step * 2, MSG_DONTWAIT);
                }
                i += step;
                while ((n = recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
                        pkts_in++;
                        if (!msbc) {
                                fwrite(buf, 1, (size_t)n & ~(size_t)1, got);
                                continue;
                        }
                        if (n != 60 || buf[0] != 0x01 || (buf[1] & 0x0f) != 0x08) {
                                bad_in++;
                                continue;
                        }
                        {
                                uint8_t out[240];
                                size_t written = 0;

                                if (sbc_decode(&dec, buf + 2, 57, out, sizeof(out), &written) != 57 || written != 240)
                                        bad_in++;
                                else
                                        fwrite(out, 1, written, got);
                        }
                }
        }
        printf("sco-peer: sent %.2f s, received %u packets, %u bad\n", secs, pkts_in, bad_in);
        fclose(sent);
        fclose(got);
        sbc_finish(&enc);
        sbc_finish(&dec);
        close(sv[0]);
        close(l);
        return bad_in ? 1 : 0;
}

int main(int argc, char **argv) {
        if (argc >= 6 && strcmp(argv[1], "tone") == 0)
                return cmd_tone(argc, argv);
        if (argc >= 6 && strcmp(argv[1], "pcmcmp") == 0)
                return cmd_pcmcmp(argc, argv);
        if (argc >= 6 && strcmp(argv[1], "sbcpkts") == 0)
                return cmd_sbcpkts(argc, argv);
        if (argc >= 5 && strcmp(argv[1], "pktcheck") == 0)
                return cmd_pktcheck(argc, argv);
        if (argc >= 8 && strcmp(argv[1], "sco-peer") == 0)
                return cmd_sco_peer(argc, argv);
        fprintf(stderr, "usage: see the comment at the top of bt_tool.c\n");
        return 2;
}
