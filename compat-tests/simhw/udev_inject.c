/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copied from the project's testing-hw recipes (our own code); see compat-tests/simhw/README. */
/* Send one synthetic "udev processed" device event to the udev netlink
 * multicast group, the way udevd announces devices to libudev/sd-device
 * monitors.  usage: udev_inject ACTION=add DEVPATH=/devices/... SUBSYSTEM=sound SEQNUM=1 [KEY=VAL...]
 * Needs root (CAP_NET_ADMIN to send to a netlink group); run it inside a
 * private network namespace so only the test's listeners see it. */
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* 32-bit MurmurHash2 with seed 0 (the hash the monitor's BPF filter uses) */
static uint32_t murmur2(const void *key, size_t len)
{
	const uint32_t m = 0x5bd1e995u;
	const unsigned char *p = key;
	uint32_t h = (uint32_t)len;
	for (; len >= 4; len -= 4, p += 4) {
		uint32_t k;
		memcpy(&k, p, 4);
		k *= m;
		k ^= k >> 24;
		k *= m;
		h = h * m ^ k;
	}
	switch (len) {
	case 3: h ^= (uint32_t)p[2] << 16; /* fallthrough */
	case 2: h ^= (uint32_t)p[1] << 8;  /* fallthrough */
	case 1: h ^= p[0]; h *= m;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	return h;
}

struct hdr { /* wire layout expected by libudev / sd-device monitors */
	char prefix[8];          /* "libudev" */
	uint32_t magic;          /* 0xfeedcafe, big endian */
	uint32_t header_size;
	uint32_t properties_off;
	uint32_t properties_len;
	uint32_t subsystem_hash; /* big endian */
	uint32_t devtype_hash;   /* big endian */
	uint32_t tag_bloom_hi, tag_bloom_lo;
};

int main(int argc, char **argv)
{
	char props[8192];
	size_t len = 0;
	struct hdr h = { .prefix = "libudev", .magic = htonl(0xfeedcafe), .header_size = sizeof(h) };
	for (int i = 1; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;
		if (len + l > sizeof(props)) return 2;
		memcpy(props + len, argv[i], l);
		len += l;
		if (!strncmp(argv[i], "SUBSYSTEM=", 10))
			h.subsystem_hash = htonl(murmur2(argv[i] + 10, strlen(argv[i] + 10)));
		if (!strncmp(argv[i], "DEVTYPE=", 8))
			h.devtype_hash = htonl(murmur2(argv[i] + 8, strlen(argv[i] + 8)));
	}
	h.properties_off = sizeof(h);
	h.properties_len = len;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (fd < 0) { perror("socket"); return 1; }
	struct sockaddr_nl dst = { .nl_family = AF_NETLINK, .nl_groups = 2 /* udev */ };
	struct iovec iov[2] = { { &h, sizeof(h) }, { props, len } };
	struct msghdr msg = { .msg_name = &dst, .msg_namelen = sizeof(dst), .msg_iov = iov, .msg_iovlen = 2 };
	/* the kernel attaches our credentials (uid 0), which monitors require */
	if (sendmsg(fd, &msg, 0) < 0) { perror("sendmsg"); return 1; }
	close(fd);
	return 0;
}
