/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copied from the project's testing-hw recipes (our own code); see compat-tests/simhw/README. */
/*
 * simhw: an ALSA ioplug PCM that behaves like a sound card with a crystal
 * clock.  Frames are consumed (playback) or produced (capture) at the
 * negotiated rate, measured against CLOCK_MONOTONIC; a timerfd wakes pollers
 * at the first period boundary ("interrupt") where avail >= avail_min.
 * Played frames are appended to a file
 * at the moment the simulated DMA pointer passes them, so rewinds and drops
 * behave as on real hardware.  Xruns happen for real when the application is
 * late, and can also be injected.
 *
 * Config keys (all optional):
 *   file "path"        playback: where played frames go
 *   file_format "wav"  "wav" (rewritten per open) or "raw" (appended)
 *   infile "path"      capture: raw frames in the negotiated format, looped;
 *                      default: a sine
 *   sine_hz 440        capture sine frequency when no infile
 *   rate 0             fixed rate; 0 = one of 44100/48000/96000
 *   channels 2         fixed channel count; 0 = 1..8
 *   format "any"       "S16_LE", "S32_LE", "FLOAT_LE" or any of them
 *   max_buffer_bytes 1048576
 *   granularity 0      pointer step in frames; 0 = one period (old DMA)
 *   drift_ppm 0        clock runs (1 + ppm/1e6) times nominal
 *   fifo_frames 0      extra delay reported on top of the queued frames
 *   period_irq 1       1: wake pollers at period boundaries; 0: exactly at avail_min
 *   xrun_trigger "p"   if this file exists, an xrun is injected (file removed)
 *   xrun_at_ms -1      inject one xrun this long after start
 *   events "path"      append a line per event (hw_params, start, xrun, ...)
 *   mixer "path"       state file shared with the simhw ctl plugin: volume
 *                      and switch are applied to played/captured samples
 *   exclusive "path"   flock()ed at open; a second open gets -EBUSY
 *   error_trigger "p"  (pulsecompat addition) while this file exists, its
 *                      first word picks a fault: "EIO" / "ENODEV" / "EBADFD"
 *                      make pointer(), delay() and transfer() fail with that
 *                      error; "ABSURD" makes the pointer jump 100 s ahead
 *                      once (an absurd avail/delay); the fault is logged in
 *                      the events file once per kind
 *   transfer_us 0      (pulsecompat addition) transfer() takes this long
 *                      (a slow bus, or a loaded machine: widens the time the
 *                      application spends filling the buffer)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "simhw_state.h"

struct simhw {
	snd_pcm_ioplug_t io;
	/* configuration */
	char *path, *inpath, *trigger, *events_path, *mixer_path, *excl_path, *err_path;
	int err_logged, absurd_done;
	int wav, period_irq;
	unsigned int fixed_rate, fixed_channels, sine_hz;
	snd_pcm_format_t fixed_format; /* SND_PCM_FORMAT_UNKNOWN = any */
	long max_buffer_bytes, granularity, drift_ppm, fifo_frames, xrun_at_ms;
	long transfer_us;         /* pulsecompat addition: a slow transfer() */
	/* resources */
	int tfd, out_fd, in_fd, mixer_fd, excl_fd;
	FILE *events;
	/* runtime */
	unsigned int frame_bytes;
	unsigned char *ring;      /* buffer_size frames, interleaved */
	unsigned char *scratch;   /* staging for gain/silence before writing out */
	snd_pcm_uframes_t boundary, stop_threshold, avail_min;
	struct timespec t0, paused_at;
	int running, xrun, xrun_at_done;
	uint64_t hw_total;        /* frames through the "DAC" since start */
	uint64_t wav_bytes, xruns, underrun_frames;
	double phase;
};

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000LL + t->tv_nsec;
}

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return ts_ns(&t);
}

static void ev(struct simhw *s, const char *fmt, ...)
{
	if (!s->events)
		return;
	va_list ap;
	fprintf(s->events, "%.3f %s ", now_ns() / 1e6,
		s->io.stream == SND_PCM_STREAM_PLAYBACK ? "playback" : "capture");
	va_start(ap, fmt);
	vfprintf(s->events, fmt, ap);
	va_end(ap);
	fputc('\n', s->events);
	fflush(s->events);
}

static void arm(struct simhw *s, int64_t first_ns, int64_t interval_ns)
{
	struct itimerspec its = {
		.it_value = { first_ns / 1000000000LL, first_ns % 1000000000LL },
		.it_interval = { interval_ns / 1000000000LL, interval_ns % 1000000000LL },
	};
	timerfd_settime(s->tfd, 0, &its, NULL);
}

/* frames the simulated hardware has moved since start, per its own clock */
static uint64_t clock_frames(struct simhw *s)
{
	int64_t el = now_ns() - ts_ns(&s->t0);
	if (el < 0)
		el = 0;
	uint64_t f = (uint64_t)((long double)el * s->io.rate *
				(1.0L + s->drift_ppm / 1e6L) / 1e9L);
	uint64_t g = s->granularity > 0 ? (uint64_t)s->granularity : s->io.period_size;
	return f - f % g;
}

/* application pointer as an absolute frame count (same origin as hw_total) */
static int64_t appl_total(struct simhw *s)
{
	snd_pcm_uframes_t hwb = s->hw_total % s->boundary;
	int64_t d = (int64_t)((s->io.appl_ptr + s->boundary - hwb) % s->boundary);
	if (d > (int64_t)(s->boundary / 2))
		d -= s->boundary;
	return (int64_t)s->hw_total + d;
}

/* Arm the timer for the first "period interrupt" at which avail will have
 * reached avail_min (or, with period_irq 0, for that exact moment).  If it
 * is already reached, the next period boundary.  appl is absolute. */
static void rearm(struct simhw *s, int64_t appl)
{
	if (!s->running)
		return;
	snd_pcm_uframes_t per = s->io.period_size;
	int64_t tgt = s->io.stream == SND_PCM_STREAM_PLAYBACK
			      ? appl - (int64_t)s->io.buffer_size + (int64_t)s->avail_min
			      : appl + (int64_t)s->avail_min;
	if (tgt <= (int64_t)s->hw_total)
		tgt = s->hw_total + 1;
	uint64_t k = (uint64_t)tgt;
	if (s->period_irq && k % per)
		k += per - k % per;
	int64_t at = ts_ns(&s->t0) + (int64_t)((long double)k * 1e9L / s->io.rate /
						(1.0L + s->drift_ppm / 1e6L)) + 20000;
	struct itimerspec its = { .it_value = { at / 1000000000LL, at % 1000000000LL } };
	timerfd_settime(s->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void apply_gain(struct simhw *s, unsigned char *buf, snd_pcm_uframes_t frames, int capture)
{
	struct simhw_state st;
	if (s->mixer_fd < 0 || simhw_state_read(s->mixer_fd, &st) < 0)
		return;
	unsigned int ch = s->io.channels;
	double g[8];
	for (unsigned int c = 0; c < ch && c < 8; c++) {
		int k = c & 1; /* mixer is stereo; odd channels follow right */
		g[c] = capture ? simhw_gain(st.cap_vol[k], st.cap_sw[k])
			       : simhw_gain(st.play_vol[k], st.play_sw[k]);
	}
	for (snd_pcm_uframes_t f = 0; f < frames; f++)
		for (unsigned int c = 0; c < ch; c++) {
			double gc = g[c < 8 ? c : 7];
			size_t i = f * ch + c;
			switch (s->io.format) {
			case SND_PCM_FORMAT_S16_LE: {
				int16_t *p = (int16_t *)buf + i;
				*p = (int16_t)lrint(*p * gc);
				break;
			}
			case SND_PCM_FORMAT_S32_LE: {
				int32_t *p = (int32_t *)buf + i;
				*p = (int32_t)llrint(*p * gc);
				break;
			}
			case SND_PCM_FORMAT_FLOAT_LE: {
				float *p = (float *)buf + i;
				*p = (float)(*p * gc);
				break;
			}
			default:
				break;
			}
		}
}

/* playback: frames [from, to) leave the ring and go to the output file */
static void play_out(struct simhw *s, uint64_t from, uint64_t to, int64_t appl)
{
	snd_pcm_uframes_t per = s->io.period_size;
	while (from < to) {
		snd_pcm_uframes_t n = to - from;
		if (n > per)
			n = per;
		snd_pcm_uframes_t off = from % s->io.buffer_size;
		if (n > s->io.buffer_size - off)
			n = s->io.buffer_size - off;
		size_t bytes = (size_t)n * s->frame_bytes;
		if ((int64_t)from >= appl) {
			/* nothing was written here: the DAC plays silence */
			memset(s->scratch, 0, bytes);
			s->underrun_frames += n;
		} else {
			if ((int64_t)(from + n) > appl)
				n = appl - from, bytes = (size_t)n * s->frame_bytes;
			memcpy(s->scratch, s->ring + (size_t)off * s->frame_bytes, bytes);
		}
		apply_gain(s, s->scratch, n, 0);
		if (s->out_fd >= 0 && write(s->out_fd, s->scratch, bytes) == (ssize_t)bytes)
			s->wav_bytes += bytes;
		from += n;
	}
}

static void gen_frames(struct simhw *s, unsigned char *dst, snd_pcm_uframes_t n)
{
	size_t bytes = (size_t)n * s->frame_bytes;
	if (s->in_fd >= 0) {
		size_t got = 0;
		while (got < bytes) {
			ssize_t r = read(s->in_fd, dst + got, bytes - got);
			if (r <= 0) { /* loop the file */
				if (lseek(s->in_fd, 0, SEEK_SET) < 0 || r < 0)
					break;
				continue;
			}
			got += r;
		}
		if (got < bytes)
			memset(dst + got, 0, bytes - got);
		return;
	}
	unsigned int ch = s->io.channels;
	double w = 2 * M_PI * s->sine_hz / s->io.rate;
	for (snd_pcm_uframes_t f = 0; f < n; f++) {
		double v = 0.5 * sin(s->phase);
		s->phase += w;
		if (s->phase > 2 * M_PI)
			s->phase -= 2 * M_PI;
		for (unsigned int c = 0; c < ch; c++) {
			size_t i = f * ch + c;
			if (s->io.format == SND_PCM_FORMAT_S16_LE)
				((int16_t *)dst)[i] = (int16_t)lrint(v * 32767);
			else if (s->io.format == SND_PCM_FORMAT_S32_LE)
				((int32_t *)dst)[i] = (int32_t)lrint(v * 2147483647.0);
			else
				((float *)dst)[i] = (float)v;
		}
	}
}

/* capture: the "ADC" fills frames [from, to) of the ring */
static void capture_in(struct simhw *s, uint64_t from, uint64_t to)
{
	while (from < to) {
		snd_pcm_uframes_t off = from % s->io.buffer_size;
		snd_pcm_uframes_t n = to - from;
		if (n > s->io.buffer_size - off)
			n = s->io.buffer_size - off;
		unsigned char *p = s->ring + (size_t)off * s->frame_bytes;
		gen_frames(s, p, n);
		apply_gain(s, p, n, 1);
		from += n;
	}
}

static void enter_xrun(struct simhw *s, const char *why)
{
	s->xrun = 1;
	s->running = 0;
	s->xruns++;
	arm(s, 1, 0); /* wake pollers so they see POLLERR */
	ev(s, "xrun reason=%s hw=%llu xruns=%llu", why,
	   (unsigned long long)s->hw_total, (unsigned long long)s->xruns);
}

/* move the simulated DMA pointer up to "now" */
static void advance(struct simhw *s)
{
	if (!s->running)
		return;
	if (s->trigger && access(s->trigger, F_OK) == 0) {
		unlink(s->trigger);
		enter_xrun(s, "injected-file");
		return;
	}
	if (s->xrun_at_ms >= 0 && !s->xrun_at_done &&
	    now_ns() - ts_ns(&s->t0) >= s->xrun_at_ms * 1000000LL) {
		s->xrun_at_done = 1;
		enter_xrun(s, "injected-timer");
		return;
	}
	uint64_t target = clock_frames(s);
	if (target <= s->hw_total)
		return;
	int64_t appl = appl_total(s);
	uint64_t g = s->granularity > 0 ? (uint64_t)s->granularity : s->io.period_size;
	int64_t limit; /* first position at which avail >= stop_threshold */
	if (s->io.stream == SND_PCM_STREAM_PLAYBACK)
		limit = appl - (int64_t)s->io.buffer_size + (int64_t)s->stop_threshold;
	else
		limit = appl + (int64_t)s->stop_threshold;
	int over = 0;
	if (s->io.state == SND_PCM_STATE_DRAINING && s->io.stream == SND_PCM_STREAM_PLAYBACK) {
		/* draining ends exactly at the application pointer */
		if ((int64_t)target > appl)
			target = appl > (int64_t)s->hw_total ? (uint64_t)appl : s->hw_total;
	} else if (s->stop_threshold < s->boundary && limit <= (int64_t)target) {
		if (limit < (int64_t)s->hw_total)
			limit = s->hw_total;
		/* the "interrupt" that notices it comes at the next step */
		uint64_t l = (uint64_t)limit;
		if (l % g)
			l += g - l % g;
		if (l < target)
			target = l;
		over = 1;
	}
	if (s->io.stream == SND_PCM_STREAM_PLAYBACK)
		play_out(s, s->hw_total, target, appl);
	else
		capture_in(s, s->hw_total, target);
	s->hw_total = target;
	if (over)
		enter_xrun(s, s->io.stream == SND_PCM_STREAM_PLAYBACK ? "underrun" : "overrun");
}

/* error_trigger: 0 or the -errno to fail with; "ABSURD" moves the pointer */
static int fault(struct simhw *s)
{
	char buf[16] = "";
	int fd, e = 0;
	ssize_t n;
	if (!s->err_path || (fd = open(s->err_path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = 0;
	if (!strncmp(buf, "ENODEV", 6))
		e = -ENODEV;
	else if (!strncmp(buf, "EBADFD", 6))
		e = -EBADFD;
	else if (!strncmp(buf, "ABSURD", 6)) {
		if (!s->absurd_done && s->running) {
			s->absurd_done = 1;
			/* the "DMA" claims 100 s went by (nothing is played) */
			s->t0.tv_sec -= 100;
			s->hw_total = clock_frames(s);
			ev(s, "fault absurd hw=%llu", (unsigned long long)s->hw_total);
		}
		return 0;
	} else
		e = -EIO;
	if (!s->err_logged) {
		s->err_logged = 1;
		ev(s, "fault error=%d", e);
	}
	return e;
}

static snd_pcm_sframes_t simhw_pointer(snd_pcm_ioplug_t *io)
{
	struct simhw *s = io->private_data;
	int e = fault(s);
	if (e)
		return e;
	if (s->xrun)
		return -EPIPE;
	advance(s);
	if (s->xrun)
		return -EPIPE;
	return s->hw_total % s->boundary;
}

static int simhw_start(snd_pcm_ioplug_t *io)
{
	struct simhw *s = io->private_data;
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	s->running = 1;
	rearm(s, appl_total(s));
	ev(s, "start appl=%lld", (long long)appl_total(s));
	return 0;
}

static int simhw_stop(snd_pcm_ioplug_t *io)
{
	struct simhw *s = io->private_data;
	advance(s);
	s->running = 0;
	arm(s, 0, 0);
	ev(s, "stop hw=%llu appl=%lld underrun_frames=%llu", (unsigned long long)s->hw_total,
	   (long long)appl_total(s), (unsigned long long)s->underrun_frames);
	return 0;
}

static int simhw_prepare(snd_pcm_ioplug_t *io)
{
	struct simhw *s = io->private_data;
	s->running = 0;
	s->xrun = 0;
	s->hw_total = 0;
	/* playback has a whole free buffer: let pollers in right away */
	arm(s, io->stream == SND_PCM_STREAM_PLAYBACK ? 1 : 0, 0);
	ev(s, "prepare");
	return 0;
}

static int simhw_pause(snd_pcm_ioplug_t *io, int enable)
{
	struct simhw *s = io->private_data;
	if (enable) {
		advance(s);
		s->running = 0;
		clock_gettime(CLOCK_MONOTONIC, &s->paused_at);
		arm(s, 0, 0);
	} else {
		int64_t d = now_ns() - ts_ns(&s->paused_at);
		int64_t t = ts_ns(&s->t0) + d;
		s->t0.tv_sec = t / 1000000000LL;
		s->t0.tv_nsec = t % 1000000000LL;
		s->running = 1;
		rearm(s, appl_total(s));
	}
	ev(s, "pause %d hw=%llu", enable, (unsigned long long)s->hw_total);
	return 0;
}

static snd_pcm_sframes_t simhw_transfer(snd_pcm_ioplug_t *io, const snd_pcm_channel_area_t *areas,
					snd_pcm_uframes_t offset, snd_pcm_uframes_t size)
{
	/* "offset" indexes the caller's areas; the ring position is the
	 * application pointer (they coincide only for mmap access) */
	struct simhw *s = io->private_data;
	int e = fault(s);
	if (e)
		return e;
	if (s->transfer_us > 0)
		usleep((useconds_t)(s->transfer_us < 100000 ? s->transfer_us : 100000));
	snd_pcm_channel_area_t ring[io->channels];
	unsigned int bits = snd_pcm_format_physical_width(io->format);
	for (unsigned int c = 0; c < io->channels; c++) {
		ring[c].addr = s->ring;
		ring[c].first = c * bits;
		ring[c].step = s->frame_bytes * 8;
	}
	snd_pcm_uframes_t pos = io->appl_ptr % io->buffer_size, done = 0;
	while (done < size) {
		snd_pcm_uframes_t n = size - done;
		if (n > io->buffer_size - pos)
			n = io->buffer_size - pos;
		if (io->stream == SND_PCM_STREAM_PLAYBACK)
			snd_pcm_areas_copy(ring, pos, areas, offset + done, io->channels, n, io->format);
		else
			snd_pcm_areas_copy(areas, offset + done, ring, pos, io->channels, n, io->format);
		done += n;
		pos = 0;
	}
	rearm(s, appl_total(s) + (int64_t)size); /* appl moves on after we return */
	return size;
}

static int simhw_delay(snd_pcm_ioplug_t *io, snd_pcm_sframes_t *delayp)
{
	struct simhw *s = io->private_data;
	int e = fault(s);
	if (e)
		return e;
	advance(s);
	if (s->xrun)
		return -EPIPE;
	int64_t q = io->stream == SND_PCM_STREAM_PLAYBACK ? appl_total(s) - (int64_t)s->hw_total
							  : (int64_t)s->hw_total - appl_total(s);
	*delayp = q + (s->running ? s->fifo_frames : 0);
	return 0;
}

static int simhw_poll_revents(snd_pcm_ioplug_t *io, struct pollfd *pfd, unsigned int nfds,
			      unsigned short *revents)
{
	struct simhw *s = io->private_data;
	uint64_t ticks;
	(void)nfds;
	if (pfd[0].revents & POLLIN) {
		ssize_t r = read(s->tfd, &ticks, sizeof(ticks));
		(void)r;
	}
	*revents = 0;
	snd_pcm_sframes_t avail = snd_pcm_avail_update(io->pcm);
	snd_pcm_state_t st = snd_pcm_state(io->pcm);
	if (avail < 0 || s->xrun || st == SND_PCM_STATE_XRUN) {
		*revents = POLLERR;
		return 0;
	}
	if ((snd_pcm_uframes_t)avail >= s->avail_min || st == SND_PCM_STATE_SETUP)
		*revents = io->stream == SND_PCM_STREAM_PLAYBACK ? POLLOUT : POLLIN;
	rearm(s, appl_total(s));
	return 0;
}

static void wav_header(struct simhw *s, int finalize)
{
	if (s->out_fd < 0 || !s->wav)
		return;
	unsigned char h[44];
	uint32_t rate = s->io.rate, ch = s->io.channels;
	uint32_t bits = snd_pcm_format_physical_width(s->io.format);
	uint32_t data = finalize ? (uint32_t)s->wav_bytes : 0;
	uint16_t tag = s->io.format == SND_PCM_FORMAT_FLOAT_LE ? 3 : 1;
	uint32_t v32;
	uint16_t v16;
	memcpy(h, "RIFF", 4);
	v32 = 36 + data; memcpy(h + 4, &v32, 4);
	memcpy(h + 8, "WAVEfmt ", 8);
	v32 = 16; memcpy(h + 16, &v32, 4);
	memcpy(h + 20, &tag, 2);
	v16 = ch; memcpy(h + 22, &v16, 2);
	memcpy(h + 24, &rate, 4);
	v32 = rate * ch * bits / 8; memcpy(h + 28, &v32, 4);
	v16 = ch * bits / 8; memcpy(h + 32, &v16, 2);
	v16 = bits; memcpy(h + 34, &v16, 2);
	memcpy(h + 36, "data", 4);
	memcpy(h + 40, &data, 4);
	if (pwrite(s->out_fd, h, 44, 0) != 44)
		return;
	if (!finalize)
		lseek(s->out_fd, 44, SEEK_SET);
}

static int simhw_hw_params(snd_pcm_ioplug_t *io, snd_pcm_hw_params_t *params)
{
	struct simhw *s = io->private_data;
	(void)params;
	s->frame_bytes = snd_pcm_format_physical_width(io->format) / 8 * io->channels;
	free(s->ring);
	free(s->scratch);
	s->ring = calloc(io->buffer_size, s->frame_bytes);
	s->scratch = calloc(io->period_size > io->buffer_size ? io->period_size : io->buffer_size,
			    s->frame_bytes);
	if (!s->ring || !s->scratch)
		return -ENOMEM;
	if (io->stream == SND_PCM_STREAM_PLAYBACK && s->path && s->out_fd < 0) {
		s->out_fd = open(s->path, O_WRONLY | O_CREAT | O_CLOEXEC |
					  (s->wav ? O_TRUNC : O_APPEND), 0644);
		if (s->out_fd < 0)
			return -errno;
		s->wav_bytes = 0;
		wav_header(s, 0);
	}
	if (io->stream == SND_PCM_STREAM_CAPTURE && s->inpath && s->in_fd < 0) {
		s->in_fd = open(s->inpath, O_RDONLY | O_CLOEXEC);
		if (s->in_fd < 0)
			return -errno;
	}
	ev(s, "hw_params format=%s rate=%u channels=%u period=%lu buffer=%lu access=%s",
	   snd_pcm_format_name(io->format), io->rate, io->channels,
	   (unsigned long)io->period_size, (unsigned long)io->buffer_size,
	   snd_pcm_access_name(io->access));
	return 0;
}

static int simhw_sw_params(snd_pcm_ioplug_t *io, snd_pcm_sw_params_t *params)
{
	struct simhw *s = io->private_data;
	snd_pcm_sw_params_get_boundary(params, &s->boundary);
	snd_pcm_sw_params_get_stop_threshold(params, &s->stop_threshold);
	snd_pcm_sw_params_get_avail_min(params, &s->avail_min);
	if (s->avail_min < 1)
		s->avail_min = 1;
	return 0;
}

static int simhw_close(snd_pcm_ioplug_t *io)
{
	struct simhw *s = io->private_data;
	ev(s, "close hw=%llu xruns=%llu underrun_frames=%llu", (unsigned long long)s->hw_total,
	   (unsigned long long)s->xruns, (unsigned long long)s->underrun_frames);
	wav_header(s, 1);
	if (s->out_fd >= 0)
		close(s->out_fd);
	if (s->in_fd >= 0)
		close(s->in_fd);
	if (s->mixer_fd >= 0)
		close(s->mixer_fd);
	if (s->excl_fd >= 0)
		close(s->excl_fd);
	if (s->events)
		fclose(s->events);
	close(s->tfd);
	free(s->ring);
	free(s->scratch);
	free(s->path); free(s->inpath); free(s->trigger);
	free(s->events_path); free(s->mixer_path); free(s->excl_path); free(s->err_path);
	free(s);
	return 0;
}

static const snd_pcm_ioplug_callback_t simhw_cb = {
	.start = simhw_start,
	.stop = simhw_stop,
	.pointer = simhw_pointer,
	.transfer = simhw_transfer,
	.close = simhw_close,
	.hw_params = simhw_hw_params,
	.sw_params = simhw_sw_params,
	.prepare = simhw_prepare,
	.pause = simhw_pause,
	.poll_revents = simhw_poll_revents,
	.delay = simhw_delay,
};

static int cfg_str(snd_config_t *n, char **out)
{
	const char *v;
	int err = snd_config_get_string(n, &v);
	if (err < 0)
		return err;
	free(*out);
	*out = strdup(v);
	return 0;
}

static int cfg_long(snd_config_t *n, long *out)
{
	const char *v;
	if (snd_config_get_integer(n, out) == 0)
		return 0;
	if (snd_config_get_string(n, &v) == 0) {
		char *end;
		*out = strtol(v, &end, 0);
		return *end ? -EINVAL : 0;
	}
	return -EINVAL;
}

SND_PCM_PLUGIN_DEFINE_FUNC(simhw)
{
	snd_config_iterator_t i, next;
	int err = -EINVAL;
	struct simhw *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	(void)root;
	s->wav = 1;
	s->period_irq = 1;
	s->tfd = s->out_fd = s->in_fd = s->mixer_fd = s->excl_fd = -1;
	s->sine_hz = 440;
	s->fixed_channels = 2;
	s->fixed_format = SND_PCM_FORMAT_UNKNOWN;
	s->max_buffer_bytes = 1 << 20;
	s->xrun_at_ms = -1;

	snd_config_for_each(i, next, conf) {
		snd_config_t *n = snd_config_iterator_entry(i);
		const char *id;
		long v;
		char *str = NULL;
		if (snd_config_get_id(n, &id) < 0)
			continue;
		if (!strcmp(id, "comment") || !strcmp(id, "type") || !strcmp(id, "hint"))
			continue;
		if (!strcmp(id, "file")) err = cfg_str(n, &s->path);
		else if (!strcmp(id, "infile")) err = cfg_str(n, &s->inpath);
		else if (!strcmp(id, "xrun_trigger")) err = cfg_str(n, &s->trigger);
		else if (!strcmp(id, "events")) err = cfg_str(n, &s->events_path);
		else if (!strcmp(id, "mixer")) err = cfg_str(n, &s->mixer_path);
		else if (!strcmp(id, "exclusive")) err = cfg_str(n, &s->excl_path);
		else if (!strcmp(id, "error_trigger")) err = cfg_str(n, &s->err_path);
		else if (!strcmp(id, "file_format")) {
			err = cfg_str(n, &str);
			if (!err)
				s->wav = strcmp(str, "raw") != 0;
		} else if (!strcmp(id, "format")) {
			err = cfg_str(n, &str);
			if (!err && strcmp(str, "any"))
				s->fixed_format = snd_pcm_format_value(str);
		} else if (!(err = cfg_long(n, &v))) {
			if (!strcmp(id, "rate")) s->fixed_rate = v;
			else if (!strcmp(id, "channels")) s->fixed_channels = v;
			else if (!strcmp(id, "sine_hz")) s->sine_hz = v;
			else if (!strcmp(id, "max_buffer_bytes")) s->max_buffer_bytes = v;
			else if (!strcmp(id, "granularity")) s->granularity = v;
			else if (!strcmp(id, "drift_ppm")) s->drift_ppm = v;
			else if (!strcmp(id, "fifo_frames")) s->fifo_frames = v;
			else if (!strcmp(id, "xrun_at_ms")) s->xrun_at_ms = v;
			else if (!strcmp(id, "transfer_us")) s->transfer_us = v;
			else if (!strcmp(id, "period_irq")) s->period_irq = v != 0;
			else err = -EINVAL;
		}
		free(str);
		if (err < 0) {
			SNDERR("simhw: bad or unknown field %s", id);
			goto fail;
		}
	}

	if (s->excl_path) {
		s->excl_fd = open(s->excl_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (s->excl_fd < 0 || flock(s->excl_fd, LOCK_EX | LOCK_NB) < 0) {
			err = -EBUSY;
			goto fail;
		}
	}
	if (s->events_path)
		s->events = fopen(s->events_path, "ae");
	if (s->mixer_path && (s->mixer_fd = simhw_state_open(s->mixer_path)) < 0) {
		err = s->mixer_fd;
		goto fail;
	}
	s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->tfd < 0) {
		err = -errno;
		goto fail;
	}

	s->io.version = SND_PCM_IOPLUG_VERSION;
	s->io.name = "Simulated hardware PCM";
	s->io.callback = &simhw_cb;
	s->io.private_data = s;
	s->io.poll_fd = s->tfd;
	s->io.poll_events = POLLIN;
	s->io.mmap_rw = 0;
	s->io.flags = SND_PCM_IOPLUG_FLAG_MONOTONIC | SND_PCM_IOPLUG_FLAG_BOUNDARY_WA;
	err = snd_pcm_ioplug_create(&s->io, name, stream, mode);
	if (err < 0)
		goto fail;

	static const unsigned int acc[] = { SND_PCM_ACCESS_MMAP_INTERLEAVED,
					    SND_PCM_ACCESS_RW_INTERLEAVED };
	unsigned int fmts[] = { SND_PCM_FORMAT_S16_LE, SND_PCM_FORMAT_S32_LE,
				SND_PCM_FORMAT_FLOAT_LE };
	static const unsigned int rates[] = { 44100, 48000, 96000 };
	unsigned int nfmt = 3;
	if (s->fixed_format != SND_PCM_FORMAT_UNKNOWN) {
		fmts[0] = s->fixed_format;
		nfmt = 1;
	}
	if ((err = snd_pcm_ioplug_set_param_list(&s->io, SND_PCM_IOPLUG_HW_ACCESS, 2, acc)) < 0 ||
	    (err = snd_pcm_ioplug_set_param_list(&s->io, SND_PCM_IOPLUG_HW_FORMAT, nfmt, fmts)) < 0 ||
	    (err = s->fixed_rate
		   ? snd_pcm_ioplug_set_param_minmax(&s->io, SND_PCM_IOPLUG_HW_RATE, s->fixed_rate, s->fixed_rate)
		   : snd_pcm_ioplug_set_param_list(&s->io, SND_PCM_IOPLUG_HW_RATE, 3, rates)) < 0 ||
	    (err = snd_pcm_ioplug_set_param_minmax(&s->io, SND_PCM_IOPLUG_HW_CHANNELS,
						   s->fixed_channels ? s->fixed_channels : 1,
						   s->fixed_channels ? s->fixed_channels : 8)) < 0 ||
	    (err = snd_pcm_ioplug_set_param_minmax(&s->io, SND_PCM_IOPLUG_HW_PERIOD_BYTES, 64, 512 * 1024)) < 0 ||
	    (err = snd_pcm_ioplug_set_param_minmax(&s->io, SND_PCM_IOPLUG_HW_PERIODS, 2, 1024)) < 0 ||
	    (err = snd_pcm_ioplug_set_param_minmax(&s->io, SND_PCM_IOPLUG_HW_BUFFER_BYTES, 256,
						   s->max_buffer_bytes)) < 0) {
		snd_pcm_ioplug_delete(&s->io);
		return err;
	}
	*pcmp = s->io.pcm;
	return 0;

fail:
	if (s->tfd >= 0) close(s->tfd);
	if (s->excl_fd >= 0) close(s->excl_fd);
	if (s->mixer_fd >= 0) close(s->mixer_fd);
	if (s->events) fclose(s->events);
	free(s->path); free(s->inpath); free(s->trigger);
	free(s->events_path); free(s->mixer_path); free(s->excl_path); free(s->err_path);
	free(s);
	return err;
}

SND_PCM_PLUGIN_SYMBOL(simhw);
