/* rules.h (private to parser/): the built-in rules, as data. */
#ifndef RS_RULES_H
#define RS_RULES_H

/* Which programs a rule is tried on (from the envelope's program tag). */
enum prog_class {
	PC_POSTFIX_SMTPD = 1 << 0,	/* postfix/smtpd, postscreen, ... */
	PC_POSTFIX_OTHER = 1 << 1,	/* qmgr, cleanup, smtp: never events */
	PC_DOVECOT = 1 << 2,
	PC_SENDMAIL = 1 << 3,
	PC_EXIM = 1 << 4,
	PC_POPIMAP = 1 << 5,		/* Courier, Cyrus, UW, qpopper, ... */
	PC_QMAIL = 1 << 6,
	PC_OTHER = 1 << 7,
};
#define PC_ALL 0xff
#define PC_NCLASS 8

enum rule_kind {
	RK_REJECT,	/* relay denial or other rejection, by the reason */
	RK_RELAY,	/* relay denial, 5xx or 4xx by the code */
	RK_RELAY_DENIAL,
	RK_RELAY_TEMP,
	RK_OTHER_REJECT,
	RK_LOGIN_OK,
	RK_LOGIN_FAILED,
	RK_SM_FROM,	/* Sendmail's from= line: gives a held denial its sender */
};

struct rule_def {
	const char	*name;
	unsigned	 classes;
	enum rule_kind	 kind;
	const char	*mta;		/* NULL: from the program */
	const char	*service;	/* default service */
	const char	*needles;	/* '|'-separated literals; one must occur */
	const char	*pattern;	/* PCRE2 with named groups */
};

extern const struct rule_def builtin_rules[];
extern const unsigned n_builtin_rules;

/* Reasons that mean "relaying refused", whatever the MTA (caseless). */
extern const char relay_reason_pattern[];
/* For `rules test`: words of lines that look like a denial or a login. */
extern const char suspicious_pattern[];

#endif
