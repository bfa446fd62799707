/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copied from the project's testing-hw recipes (our own code); see compat-tests/simhw/README. */
/*
 * simhw ctl: an ALSA external control plugin exposing a small mixer
 * (Master Playback Volume/Switch, Capture Volume/Switch) whose values live in
 * a state file shared with the simhw PCM (which applies them to the audio).
 * Changes made by any process are reported as control events through an
 * inotify descriptor, like a kernel mixer notifies its subscribers.
 *
 *   ctl.simmix { type simhw  state "path" }
 *
 * Optional: jack "path" adds a read-only "Headphone Jack" boolean whose value is
 * the first byte of that file ('1' = plugged); writing the file (echo 1 > path)
 * raises a control event like a real jack does (pulsecompat card tests).
 *
 * Optional: switches "path" adds three read-write booleans, "Speaker Amp Switch",
 * "Headphone Amp Switch" and "Mic Bias Switch", kept as the bytes '0'/'1' at
 * offsets 0..2 of that file (so a test can cat it), with control events on
 * change; the UCM test configuration's Enable/DisableSequences set them.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <alsa/asoundlib.h>
#include <alsa/control_external.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "simhw_state.h"

enum { E_PVOL, E_PSW, E_CVOL, E_CSW, E_COUNT, E_JACK = E_COUNT, E_SW0, E_NSW = 3 };
static const char *const sw_names[E_NSW] = {
	"Speaker Amp Switch", "Headphone Amp Switch", "Mic Bias Switch",
};
static const char *const names[E_COUNT] = {
	"Master Playback Volume", "Master Playback Switch",
	"Capture Volume", "Capture Switch",
};

/* dB scale: min -50.00 dB, 0.50 dB/step, lowest step means mute */
static const unsigned int db_tlv[] = {
	SND_CTL_TLVT_DB_SCALE, 2 * sizeof(unsigned int),
	(unsigned int)SIMHW_VOL_MIN_CDB, SIMHW_VOL_STEP_CDB | 0x10000,
};

struct simctl {
	snd_ctl_ext_t ext;
	int fd, ino;
	struct simhw_state cache;
	unsigned int pending; /* bit per element with an unreported change */
	int jack_fd;          /* -1: no jack element */
	int jack_cache;
	int sw_fd;            /* -1: no switch elements */
	char sw_cache[E_NSW];
};

/* The switches file: E_NSW bytes '0'/'1' (short or missing bytes read as '0'). */
static void sw_get(struct simctl *c, char *v)
{
	char b[E_NSW] = { 0 };
	ssize_t n = pread(c->sw_fd, b, sizeof(b), 0);
	for (int i = 0; i < E_NSW; i++)
		v[i] = n > i && b[i] == '1';
}

/* element offset (0..count-1) <-> key: fixed elements, then the jack, then the switches */
static snd_ctl_ext_key_t offset_key(const struct simctl *c, unsigned int offset)
{
	if (offset < E_COUNT)
		return offset;
	if (c->jack_fd >= 0 && offset == E_COUNT)
		return E_JACK;
	return E_SW0 + offset - E_COUNT - (c->jack_fd >= 0);
}

static unsigned int key_offset(const struct simctl *c, snd_ctl_ext_key_t key)
{
	if (key <= E_JACK)
		return key;
	return key - E_SW0 + E_COUNT + (c->jack_fd >= 0);
}

static int jack_get(struct simctl *c)
{
	char b = '0';
	return pread(c->jack_fd, &b, 1, 0) == 1 && b == '1';
}

static int32_t *field(struct simhw_state *st, snd_ctl_ext_key_t key)
{
	switch (key) {
	case E_PVOL: return st->play_vol;
	case E_PSW: return st->play_sw;
	case E_CVOL: return st->cap_vol;
	default: return st->cap_sw;
	}
}

static int c_count(snd_ctl_ext_t *ext)
{
	struct simctl *c = ext->private_data;
	return E_COUNT + (c->jack_fd >= 0) + (c->sw_fd >= 0 ? E_NSW : 0);
}

static void key_id(snd_ctl_ext_key_t key, snd_ctl_elem_id_t *id)
{
	snd_ctl_elem_id_set_interface(id, SND_CTL_ELEM_IFACE_MIXER);
	snd_ctl_elem_id_set_name(id, key == E_JACK ? "Headphone Jack" :
				 key >= E_SW0 ? sw_names[key - E_SW0] : names[key]);
}

static int c_list(snd_ctl_ext_t *ext, unsigned int offset, snd_ctl_elem_id_t *id)
{
	key_id(offset_key(ext->private_data, offset), id);
	return 0;
}

static snd_ctl_ext_key_t c_find(snd_ctl_ext_t *ext, const snd_ctl_elem_id_t *id)
{
	(void)ext;
	const char *n = snd_ctl_elem_id_get_name(id);
	if (((struct simctl *)ext->private_data)->jack_fd >= 0 && !strcmp(n, "Headphone Jack"))
		return E_JACK;
	for (unsigned int i = 0; ((struct simctl *)ext->private_data)->sw_fd >= 0 && i < E_NSW; i++)
		if (!strcmp(n, sw_names[i]))
			return E_SW0 + i;
	for (unsigned int i = 0; i < E_COUNT; i++)
		if (!strcmp(n, names[i]))
			return i;
	return SND_CTL_EXT_KEY_NOT_FOUND;
}

static int c_attr(snd_ctl_ext_t *ext, snd_ctl_ext_key_t key, int *type, unsigned int *acc,
		  unsigned int *count)
{
	(void)ext;
	int vol = key == E_PVOL || key == E_CVOL;
	if (key == E_JACK) {
		*type = SND_CTL_ELEM_TYPE_BOOLEAN;
		*acc = SND_CTL_EXT_ACCESS_READ;
		*count = 1;
		return 0;
	}
	if (key >= E_SW0) {
		*type = SND_CTL_ELEM_TYPE_BOOLEAN;
		*acc = SND_CTL_EXT_ACCESS_READWRITE;
		*count = 1;
		return 0;
	}
	*type = vol ? SND_CTL_ELEM_TYPE_INTEGER : SND_CTL_ELEM_TYPE_BOOLEAN;
	*acc = SND_CTL_EXT_ACCESS_READWRITE | (vol ? SND_CTL_EXT_ACCESS_TLV_READ : 0);
	*count = 2;
	return 0;
}

static int c_int_info(snd_ctl_ext_t *ext, snd_ctl_ext_key_t key, long *mn, long *mx, long *st)
{
	(void)ext;
	*mn = 0;
	*mx = (key == E_PVOL || key == E_CVOL) ? SIMHW_VOL_MAX : 1;
	*st = 1;
	return 0;
}

static int c_read(snd_ctl_ext_t *ext, snd_ctl_ext_key_t key, long *value)
{
	struct simctl *c = ext->private_data;
	struct simhw_state st;
	if (key == E_JACK) {
		value[0] = jack_get(c);
		return 0;
	}
	if (key >= E_SW0) {
		char v[E_NSW];
		sw_get(c, v);
		value[0] = v[key - E_SW0];
		return 0;
	}
	if (simhw_state_read(c->fd, &st) < 0)
		return -EIO;
	int32_t *f = field(&st, key);
	value[0] = f[0];
	value[1] = f[1];
	return 0;
}

static int c_write(snd_ctl_ext_t *ext, snd_ctl_ext_key_t key, long *value)
{
	struct simctl *c = ext->private_data;
	struct simhw_state st;
	if (key == E_JACK)
		return -EPERM;
	if (key >= E_SW0) {
		char v[E_NSW], b[E_NSW];
		sw_get(c, v);
		if (v[key - E_SW0] == (value[0] != 0))
			return 0;
		v[key - E_SW0] = value[0] != 0;
		for (int i = 0; i < E_NSW; i++)
			b[i] = v[i] ? '1' : '0';
		return pwrite(c->sw_fd, b, sizeof(b), 0) == (ssize_t)sizeof(b) ? 1 : -EIO;
	}
	if (simhw_state_read(c->fd, &st) < 0)
		return -EIO;
	int32_t *f = field(&st, key);
	long mx = (key == E_PVOL || key == E_CVOL) ? SIMHW_VOL_MAX : 1;
	int changed = 0;
	for (int i = 0; i < 2; i++) {
		long v = value[i] < 0 ? 0 : value[i] > mx ? mx : value[i];
		if (f[i] != v)
			f[i] = v, changed = 1;
	}
	if (changed && simhw_state_write(c->fd, &st) < 0)
		return -EIO;
	return changed; /* 1 = value changed, like the kernel's put() */
}

static void c_subscribe(snd_ctl_ext_t *ext, int sub)
{
	struct simctl *c = ext->private_data;
	(void)sub;
	simhw_state_read(c->fd, &c->cache); /* report changes from now on */
	if (c->jack_fd >= 0)
		c->jack_cache = jack_get(c);
	if (c->sw_fd >= 0)
		sw_get(c, c->sw_cache);
	c->pending = 0;
}

static int c_read_event(snd_ctl_ext_t *ext, snd_ctl_elem_id_t *id, unsigned int *mask)
{
	struct simctl *c = ext->private_data;
	char buf[4096];
	while (read(c->ino, buf, sizeof(buf)) > 0)
		; /* drain; the state file itself says what changed */
	struct simhw_state st;
	if (simhw_state_read(c->fd, &st) == 0) {
		for (unsigned int k = 0; k < E_COUNT; k++) {
			int32_t *a = field(&st, k), *b = field(&c->cache, k);
			if (a[0] != b[0] || a[1] != b[1])
				c->pending |= 1u << k;
		}
		c->cache = st;
	}
	if (c->jack_fd >= 0 && jack_get(c) != c->jack_cache) {
		c->jack_cache = !c->jack_cache;
		c->pending |= 1u << E_JACK;
	}
	if (c->sw_fd >= 0) {
		char v[E_NSW];
		sw_get(c, v);
		for (int i = 0; i < E_NSW; i++)
			if (v[i] != c->sw_cache[i])
				c->pending |= 1u << (E_SW0 + i);
		memcpy(c->sw_cache, v, sizeof(v));
	}
	if (!ext->subscribed || !c->pending)
		return -EAGAIN;
	unsigned int k = __builtin_ctz(c->pending);
	c->pending &= ~(1u << k);
	key_id(k, id);
	snd_ctl_elem_id_set_numid(id, key_offset(c, k) + 1);
	*mask = SND_CTL_EVENT_MASK_VALUE;
	return 1;
}

static void c_close(snd_ctl_ext_t *ext)
{
	struct simctl *c = ext->private_data;
	close(c->fd);
	close(c->ino);
	if (c->jack_fd >= 0)
		close(c->jack_fd);
	if (c->sw_fd >= 0)
		close(c->sw_fd);
	free(c);
}

static const snd_ctl_ext_callback_t simctl_cb = {
	.close = c_close,
	.elem_count = c_count,
	.elem_list = c_list,
	.find_elem = c_find,
	.get_attribute = c_attr,
	.get_integer_info = c_int_info,
	.read_integer = c_read,
	.write_integer = c_write,
	.subscribe_events = c_subscribe,
	.read_event = c_read_event,
};

SND_CTL_PLUGIN_DEFINE_FUNC(simhw)
{
	snd_config_iterator_t i, next;
	const char *path = NULL, *jack = NULL, *sw = NULL;
	int err;
	(void)root;
	snd_config_for_each(i, next, conf) {
		snd_config_t *n = snd_config_iterator_entry(i);
		const char *id;
		if (snd_config_get_id(n, &id) < 0)
			continue;
		if (!strcmp(id, "comment") || !strcmp(id, "type") || !strcmp(id, "hint"))
			continue;
		if (!strcmp(id, "state") && snd_config_get_string(n, &path) == 0)
			continue;
		if (!strcmp(id, "jack") && snd_config_get_string(n, &jack) == 0)
			continue;
		if (!strcmp(id, "switches") && snd_config_get_string(n, &sw) == 0)
			continue;
		SNDERR("simhw ctl: unknown field %s", id);
		return -EINVAL;
	}
	if (!path) {
		SNDERR("simhw ctl: 'state' is required");
		return -EINVAL;
	}
	struct simctl *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->jack_fd = -1;
	c->sw_fd = -1;
	c->fd = simhw_state_open(path);
	if (c->fd < 0) {
		err = c->fd;
		free(c);
		return err;
	}
	c->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (c->ino < 0 || inotify_add_watch(c->ino, path, IN_MODIFY | IN_CLOSE_WRITE) < 0) {
		err = -errno;
		close(c->fd);
		if (c->ino >= 0)
			close(c->ino);
		free(c);
		return err;
	}
	if (jack) {
		c->jack_fd = open(jack, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (c->jack_fd < 0 || inotify_add_watch(c->ino, jack, IN_MODIFY | IN_CLOSE_WRITE) < 0) {
			err = -errno;
			if (c->jack_fd >= 0)
				close(c->jack_fd);
			close(c->fd);
			close(c->ino);
			free(c);
			return err;
		}
		c->jack_cache = jack_get(c);
	}
	if (sw) {
		c->sw_fd = open(sw, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (c->sw_fd < 0 || inotify_add_watch(c->ino, sw, IN_MODIFY | IN_CLOSE_WRITE) < 0) {
			err = -errno;
			if (c->sw_fd >= 0)
				close(c->sw_fd);
			if (c->jack_fd >= 0)
				close(c->jack_fd);
			close(c->fd);
			close(c->ino);
			free(c);
			return err;
		}
		sw_get(c, c->sw_cache);
	}
	simhw_state_read(c->fd, &c->cache);
	c->ext.version = SND_CTL_EXT_VERSION;
	c->ext.card_idx = 0;
	strcpy(c->ext.id, "SimHW");
	strcpy(c->ext.driver, "simhw");
	strcpy(c->ext.name, "Simulated Card");
	strcpy(c->ext.longname, "Simulated Card (test plugin)");
	strcpy(c->ext.mixername, "SimHW Mixer");
	c->ext.poll_fd = c->ino;
	c->ext.callback = &simctl_cb;
	c->ext.private_data = c;
	c->ext.tlv.p = db_tlv;
	err = snd_ctl_ext_create(&c->ext, name, mode);
	if (err < 0) {
		if (c->sw_fd >= 0)
			close(c->sw_fd);
		if (c->jack_fd >= 0)
			close(c->jack_fd);
		close(c->fd);
		close(c->ino);
		free(c);
		return err;
	}
	*handlep = c->ext.handle;
	return 0;
}

SND_CTL_PLUGIN_SYMBOL(simhw);
