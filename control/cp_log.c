/* SPDX-License-Identifier: BSD-3-Clause */
/* sn-control logging to stderr (see cp_log.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cp_log.h"

#define CP_LOG_LINE_MAX 1024
#define NS_PER_MS	1000000L

enum cp_log_level cp_log_max = CP_LOG_INFO;

static const char *const cp_log_names[] = {
	[CP_LOG_ERROR] = "error",
	[CP_LOG_WARN] = "warn",
	[CP_LOG_INFO] = "info",
	[CP_LOG_DEBUG] = "debug",
};

int
cp_log_set_level(const char *name)
{
	unsigned i;

	for (i = 0; i < sizeof(cp_log_names) / sizeof(cp_log_names[0]); i++) {
		if (strcmp(name, cp_log_names[i]) == 0) {
			cp_log_max = (enum cp_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void
cp_log(enum cp_log_level level, const char *fmt, ...)
{
	char line[CP_LOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	size_t n;
	int r;

	if (level > cp_log_max)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	r = snprintf(line + n, sizeof(line) - n,
		".%03ldZ sn-control[%d] %s: ", ts.tv_nsec / NS_PER_MS, (int)getpid(),
		cp_log_names[level]);
	if (r > 0)
		n += (size_t)r;
	va_start(ap, fmt);
	r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (r > 0)
		n += (size_t)r;
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line so concurrent writers do not interleave. */
	if (write(STDERR_FILENO, line, n) < 0)
		(void)errno;
}

void
cp_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
