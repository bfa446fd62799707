/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copied from the project's testing-hw recipes (our own code); see compat-tests/simhw/README. */
/* Shared mixer state between the simulated PCM and the simulated control
 * device.  It lives in a small file so that several processes (the server,
 * amixer, the test) see the same values.  Layout is fixed-size binary. */
#ifndef SIMHW_STATE_H
#define SIMHW_STATE_H
#include <stdint.h>

#define SIMHW_STATE_MAGIC 0x53494d31u /* "SIM1" */
#define SIMHW_VOL_MAX 100             /* raw steps, 0.5 dB each */
#define SIMHW_VOL_MIN_CDB (-5000)     /* -50.00 dB at raw 0 */
#define SIMHW_VOL_STEP_CDB 50         /* 0.50 dB per step */

struct simhw_state {
	uint32_t magic;
	int32_t play_vol[2];   /* 0..SIMHW_VOL_MAX */
	int32_t play_sw[2];    /* 1 = on */
	int32_t cap_vol[2];
	int32_t cap_sw[2];
};

int simhw_state_open(const char *path);                 /* creates with defaults */
int simhw_state_read(int fd, struct simhw_state *st);   /* 0 or -errno */
int simhw_state_write(int fd, const struct simhw_state *st);
double simhw_gain(int32_t raw, int32_t sw);             /* linear gain */

#endif
