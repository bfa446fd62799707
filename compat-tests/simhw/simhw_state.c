/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copied from the project's testing-hw recipes (our own code); see compat-tests/simhw/README. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "simhw_state.h"
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

int simhw_state_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	struct simhw_state st;
	if (simhw_state_read(fd, &st) < 0) {
		/* fresh file: unity gain (0 dB), switches on, so output is bit-exact */
		memset(&st, 0, sizeof(st));
		st.magic = SIMHW_STATE_MAGIC;
		for (int c = 0; c < 2; c++) {
			st.play_vol[c] = SIMHW_VOL_MAX;
			st.play_sw[c] = 1;
			st.cap_vol[c] = SIMHW_VOL_MAX;
			st.cap_sw[c] = 1;
		}
		simhw_state_write(fd, &st);
	}
	return fd;
}

int simhw_state_read(int fd, struct simhw_state *st)
{
	ssize_t n = pread(fd, st, sizeof(*st), 0);
	if (n != (ssize_t)sizeof(*st) || st->magic != SIMHW_STATE_MAGIC)
		return -EINVAL;
	return 0;
}

int simhw_state_write(int fd, const struct simhw_state *st)
{
	/* a single pwrite of a small struct: readers see old or new values */
	return pwrite(fd, st, sizeof(*st), 0) == (ssize_t)sizeof(*st) ? 0 : -EIO;
}

double simhw_gain(int32_t raw, int32_t sw)
{
	if (!sw || raw <= 0)
		return 0.0; /* raw 0 is "mute" (TLV has the mute flag) */
	if (raw > SIMHW_VOL_MAX)
		raw = SIMHW_VOL_MAX;
	double db = (SIMHW_VOL_MIN_CDB + raw * SIMHW_VOL_STEP_CDB) / 100.0;
	return pow(10.0, db / 20.0);
}
