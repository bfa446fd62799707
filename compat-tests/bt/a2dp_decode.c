/*
 * Test-side checker for A2DP SBC streams captured by the BlueZ mock.
 * Input: [u32 LE length][packet] records, each packet = RTP header (12 bytes)
 * + A2DP media payload header (1 byte, low 4 bits = SBC frame count) + frames.
 * Checks RTP continuity, decodes with libsbc to S16LE, and optionally compares
 * with the PCM that was encoded (lag search + SNR per channel).
 *
 * usage: a2dp_decode CAPTURE.pkts OUT.raw [SOURCE.raw]
 */
#include <arpa/inet.h>
#include <math.h>
#include <sbc/sbc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int16_t *load(const char *path, size_t *frames)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	int16_t *b = malloc(n ? n : 1);
	*frames = fread(b, 4, n / 4, f);
	fclose(f);
	return b;
}

int main(int argc, char **argv)
{
	if (argc < 3) { fprintf(stderr, "usage: %s CAPTURE.pkts OUT.raw [SOURCE.raw]\n", argv[0]); return 2; }
	FILE *in = fopen(argv[1], "rb"), *out = fopen(argv[2], "wb");
	if (!in || !out) { perror("open"); return 2; }
	sbc_t sbc;
	sbc_init(&sbc, 0);
	sbc.endian = SBC_LE;
	unsigned packets = 0, sbc_frames = 0, seq_errors = 0, ts_errors = 0, bad = 0;
	uint16_t exp_seq = 0;
	uint32_t exp_ts = 0;
	unsigned char pkt[65536], pcm[8192];
	uint32_t len;
	while (fread(&len, 4, 1, in) == 1) {
		if (len > sizeof(pkt) || fread(pkt, 1, len, in) != len) { bad++; break; }
		if (len < 13 || (pkt[0] & 0xc0) != 0x80 || (pkt[1] & 0x7f) != 96) { bad++; continue; }
		uint16_t seq; uint32_t ts;
		memcpy(&seq, pkt + 2, 2); memcpy(&ts, pkt + 4, 4);
		seq = ntohs(seq); ts = ntohl(ts);
		if (packets && seq != exp_seq) seq_errors++;
		if (packets && ts != exp_ts) ts_errors++;
		unsigned nf = pkt[12] & 0x0f, samples = 0;
		size_t pos = 13;
		for (unsigned i = 0; i < nf; i++) {
			size_t written = 0;
			ssize_t used = sbc_decode(&sbc, pkt + pos, len - pos, pcm, sizeof(pcm), &written);
			if (used <= 0) { bad++; break; }
			pos += used;
			fwrite(pcm, 1, written, out);
			samples += written / (2 * (sbc.mode == SBC_MODE_MONO ? 1 : 2));
			sbc_frames++;
		}
		exp_seq = seq + 1;
		exp_ts = ts + samples;
		packets++;
	}
	fclose(out);
	fclose(in);
	static const unsigned rates[] = { 16000, 32000, 44100, 48000 };
	printf("packets=%u sbc_frames=%u seq_errors=%u ts_errors=%u bad=%u rate=%u mode=%u blocks=%u subbands=%u bitpool=%u\n",
	       packets, sbc_frames, seq_errors, ts_errors, bad, rates[sbc.frequency & 3], sbc.mode,
	       4 * (sbc.blocks + 1), sbc.subbands ? 8 : 4, sbc.bitpool);
	sbc_finish(&sbc);
	if (argc < 4)
		return bad || seq_errors || ts_errors;

	size_t ns, nd;
	int16_t *s = load(argv[3], &ns), *d = load(argv[2], &nd);
	if (!s || !d || nd < 4096 || ns < 4096) { printf("compare: not enough data\n"); return 1; }
	/* codec delay: pick the lag (decoded lags source) with least error */
	int best = 0;
	double best_err = INFINITY;
	for (int lag = 0; lag < 1024; lag++) {
		double e = 0;
		for (size_t i = 2048; i < 6144 && i + lag < nd && i < ns; i++) {
			double x = s[2 * i] - d[2 * (i + lag)];
			e += x * x;
		}
		if (e < best_err) { best_err = e; best = lag; }
	}
	double sig[2] = { 0, 0 }, noise[2] = { 0, 0 };
	size_t n = 0;
	for (size_t i = 1024; i + best < nd && i < ns; i++, n++)
		for (int c = 0; c < 2; c++) {
			double a = s[2 * i + c], b = d[2 * (i + best) + c];
			sig[c] += a * a;
			noise[c] += (a - b) * (a - b);
		}
	double snr_l = 10 * log10(sig[0] / (noise[0] + 1e-9)), snr_r = 10 * log10(sig[1] / (noise[1] + 1e-9));
	printf("compare: source_frames=%zu decoded_frames=%zu lag=%d compared=%zu SNR_L=%.1fdB SNR_R=%.1fdB\n",
	       ns, nd, best, n, snr_l, snr_r);
	free(s);
	free(d);
	return (snr_l > 20 && snr_r > 20 && !bad && !seq_errors && !ts_errors) ? 0 : 1;
}
