/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-sbc-codec.c: unit tests of the SBC negotiation, RTP packetising and mSBC
 * framing (sbc-codec.c), including hostile packets. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "hw/bluez/sbc-codec.h"

START_TEST(test_select) {
        static const uint8_t all[4] = { 0xff, 0xff, 2, 250 };
        static const uint8_t mono48[4] = { 0x18, 0x15, 2, 53 };
        static const uint8_t hi_min[4] = { 0xff, 0xff, 60, 80 };
        static const uint8_t no_rate[4] = { 0x0f, 0xff, 2, 53 };
        static const uint8_t inverted[4] = { 0xff, 0xff, 40, 20 };
        uint8_t c[4];

        ck_assert_int_eq(sbc_select_configuration(all, 4, c), 0);
        ck_assert_int_eq(c[0], 0x21);
        ck_assert_int_eq(c[1], 0x15);
        ck_assert_int_eq(c[2], 2);
        ck_assert_int_eq(c[3], 53);
        ck_assert_int_eq(sbc_select_configuration(mono48, 4, c), 0);
        ck_assert_int_eq(c[0], 0x18);
        ck_assert_int_eq(sbc_select_configuration(hi_min, 4, c), SBC_E_UNSUPPORTED);
        ck_assert_int_eq(sbc_select_configuration(no_rate, 4, c), SBC_E_UNSUPPORTED);
        ck_assert_int_eq(sbc_select_configuration(inverted, 4, c), SBC_E_INVALID);
        ck_assert_int_eq(sbc_select_configuration(all, 3, c), SBC_E_INVALID);
        ck_assert_int_eq(sbc_select_configuration(all, 5, c), SBC_E_INVALID);
}
END_TEST

START_TEST(test_validate) {
        static const uint8_t ok[4] = { 0x21, 0x15, 2, 53 };
        static const uint8_t two_rates[4] = { 0x31, 0x15, 2, 53 };
        static const uint8_t no_alloc[4] = { 0x21, 0x14, 2, 53 };
        static const uint8_t mono_big[4] = { 0x28, 0x15, 2, 200 };
        static const uint8_t low[4] = { 0x21, 0x15, 1, 53 };

        ck_assert_int_eq(sbc_validate_configuration(ok, 4), 0);
        ck_assert_int_eq(sbc_validate_configuration(ok, 3), SBC_E_INVALID);
        ck_assert_int_eq(sbc_validate_configuration(two_rates, 4), SBC_E_INVALID);
        ck_assert_int_eq(sbc_validate_configuration(no_alloc, 4), SBC_E_INVALID);
        ck_assert_int_eq(sbc_validate_configuration(mono_big, 4), SBC_E_UNSUPPORTED);
        ck_assert_int_eq(sbc_validate_configuration(low, 4), SBC_E_UNSUPPORTED);
}
END_TEST

START_TEST(test_roundtrip_and_hostile) {
        static const uint8_t cfg[4] = { 0x21, 0x15, 2, 53 };
        SbcEncoder e;
        SbcDecoder d;
        uint8_t pkt[1024], out[16384];
        int16_t pcm[896 * 2];
        ssize_t n, got;

        ck_assert_int_eq(sbc_encoder_init(&e, cfg, 100), SBC_E_MTU);
        ck_assert_int_eq(sbc_encoder_init(&e, cfg, 895), 0);
        ck_assert_uint_eq(e.frame_len, 119);
        ck_assert_uint_eq(e.frames_per_packet, 7);
        ck_assert_int_eq(sbc_decoder_init(&d, cfg), 0);
        for (int i = 0; i < 896; i++)
                pcm[2 * i] = pcm[2 * i + 1] = (int16_t)lrint(8000 * sin(i * 0.05));
        n = sbc_encoder_packet(&e, pcm, pkt, sizeof(pkt));
        ck_assert_int_eq(n, 13 + 7 * 119);
        ck_assert_int_eq(pkt[0], 0x80);
        ck_assert_int_eq(pkt[1], 96);
        ck_assert_int_eq(pkt[12], 7);
        got = sbc_decoder_packet(&d, pkt, (size_t)n, out, sizeof(out));
        ck_assert_int_eq(got, 896 * 4);
        n = sbc_encoder_packet(&e, pcm, pkt, sizeof(pkt));
        ck_assert_int_eq(pkt[3], 1);            /* seq 1 */
        ck_assert_int_eq(pkt[7], 896 & 0xff);   /* timestamp 896 */
        ck_assert_int_eq(pkt[6], 896 >> 8);
        /* truncated, garbage, fragmented, wrong version: refused, never overread */
        ck_assert_int_lt(sbc_decoder_packet(&d, pkt, 12, out, sizeof(out)), 0);
        ck_assert_int_lt(sbc_decoder_packet(&d, pkt, 100, out, sizeof(out)), 0);
        pkt[12] = 0x87;
        ck_assert_int_lt(sbc_decoder_packet(&d, pkt, (size_t)n, out, sizeof(out)), 0);
        pkt[12] = 7;
        pkt[0] = 0x40;
        ck_assert_int_lt(sbc_decoder_packet(&d, pkt, (size_t)n, out, sizeof(out)), 0);
        srand(1);
        for (int i = 0; i < 20000; i++) {
                size_t len = (size_t)(rand() % 900);

                for (size_t k = 0; k < len; k++)
                        pkt[k] = (uint8_t)rand();
                if (len > 0)
                        pkt[0] = 0x80;
                (void)sbc_decoder_packet(&d, pkt, len, out, sizeof(out));
        }
        sbc_encoder_done(&e);
        sbc_decoder_done(&d);
}
END_TEST

START_TEST(test_msbc_resync) {
        MsbcCodec m;
        uint8_t pkt[60], stream[60 * 20 + 7], out[240 * 20];
        int16_t pcm[120];
        size_t pos = 0, got = 0;

        ck_assert_int_eq(msbc_init(&m), 0);
        for (int i = 0; i < 120; i++)
                pcm[i] = (int16_t)(i * 100);
        memcpy(stream, "\x01\x08\xad\x00\x01\x38\x13", 7);   /* junk that looks like a header */
        pos = 7;
        for (int f = 0; f < 20; f++) {
                ck_assert_int_eq(msbc_encode(&m, pcm, pkt), 0);
                memcpy(stream + pos, pkt, 60);
                pos += 60;
        }
        /* fed in odd pieces */
        for (size_t off = 0; off < pos;) {
                size_t piece = off % 2 ? 23 : 41;

                if (piece > pos - off)
                        piece = pos - off;
                got += msbc_feed(&m, stream + off, piece, out + got, sizeof(out) - got);
                off += piece;
        }
        ck_assert_uint_ge(got, 19 * 240);
        msbc_done(&m);
}
END_TEST

int main(void) {
        Suite *s = suite_create("sbc-codec");
        TCase *tc = tcase_create("all");
        SRunner *sr;
        int failed;

        tcase_add_test(tc, test_select);
        tcase_add_test(tc, test_validate);
        tcase_add_test(tc, test_roundtrip_and_hostile);
        tcase_add_test(tc, test_msbc_resync);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}
