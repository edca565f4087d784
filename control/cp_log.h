/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sn-control logging: one line per message on stderr,
 *   2024-11-22T01:54:00.123Z sn-control[1234] info: message
 * with the level filtered by [control] log_level.  Never used on a per-session
 * path of a bulk operation (those log one summary line).
 */
#ifndef CP_LOG_H
#define CP_LOG_H

#include <stddef.h>

enum cp_log_level {
	CP_LOG_ERROR = 0,
	CP_LOG_WARN,
	CP_LOG_INFO,
	CP_LOG_DEBUG,
};

/* Messages above this level are discarded (default CP_LOG_INFO). */
extern enum cp_log_level cp_log_max;

/* Set the level from its name (error|warn|info|debug).  0 or -EINVAL. */
int cp_log_set_level(const char *name);

/* Write one line at level (appends the newline). */
void cp_log(enum cp_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Format a one-line error message into err (nothing when err is NULL or errlen 0). */
void cp_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define CP_ERR(...)  cp_log(CP_LOG_ERROR, __VA_ARGS__)
#define CP_WARN(...) cp_log(CP_LOG_WARN, __VA_ARGS__)
#define CP_INFO(...) cp_log(CP_LOG_INFO, __VA_ARGS__)
#define CP_DEBUG(...)                                      \
	do {                                               \
		if (cp_log_max >= CP_LOG_DEBUG)            \
			cp_log(CP_LOG_DEBUG, __VA_ARGS__); \
	} while (0)

#endif /* CP_LOG_H */
