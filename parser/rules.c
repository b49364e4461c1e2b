/*
 * rules.c: the built-in rules. Each is tried only on lines of its programs,
 * and only when one of its literals occurs in the line; the first rule
 * whose pattern matches makes the event. Patterns run on the text from the
 * program tag on ("dovecot: pop3-login: Login: ...", "postfix/smtpd[1]: ..."),
 * unanchored. Named groups: ip, host, helo, sender, recipient, rcpt (the
 * recipient when no recipient group matched), user, service, method, code,
 * status, reason, qid, ruleset.
 *
 * Where the line shapes come from: the MTAs' own logs (../shared/samples)
 * and the public corpus (tests/corpus, with its SOURCES.md).
 */
#include <stddef.h>

#include "rules.h"

#define IP	"(?:IPv6:)?(?<ip>[0-9A-Fa-f]*[.:][0-9A-Fa-f.:]+)"
/* Exim's H=host (helo) [ip]:port */
#define EXIM_H	"H=(?:(?<host>[^\\s(\\[]+) )?(?:\\((?<helo>[^)]*)\\) )?" \
		"\\[" IP "\\](?::\\d+)?"

const char relay_reason_pattern[] =
    "relay(?:ing)? (?:access )?(?:temporarily )?"
    "(?:denied|not permitted|not allowed|prohibited)"
    "|we do not relay|unable to relay|relaying (?:mail )?to \\S+ is not allowed"
    "|not in my list of allowed rcpthosts";

const char suspicious_pattern[] =
    "reject|denied|not permitted|not allowed|forbidden|prohibited|relaying"
    "|do not relay|unable to relay"
    "|auth(?:entication|enticator)? fail|login fail|badlogin"
    "|\\bLOGIN,|\\blogin: |Login: ";

const struct rule_def builtin_rules[] = {
	/* --- Postfix smtpd and postscreen ------------------------------ */
	{ "postfix-reject", PC_POSTFIX_SMTPD, RK_REJECT, "postfix", NULL,
	  "reject: ",
	  "(?<qid>NOQUEUE|[0-9A-Za-z]+): (?:milter-)?reject: [A-Z]+ from "
	  "(?<host>[^\\[\\s]*)\\[" IP "\\](?::\\d+)?: "
	  "(?<code>[2-5]\\d\\d) (?:(?<status>[2-5]\\.\\d{1,3}\\.\\d{1,3}) )?"
	  "(?:<(?<rcpt>[^>]*)>: )?(?<reason>.*?)"
	  "(?:; from=<(?<sender>[^>]*)>,? to=<(?<recipient>[^>]*)>|$)"
	  "(?:.*? helo=<(?<helo>[^>]*)>)?" },
	{ "postfix-sasl-login", PC_POSTFIX_SMTPD, RK_LOGIN_OK, "postfix",
	  "smtp-auth", "sasl_username=",
	  ": client=(?<host>[^\\[\\s]*)\\[" IP "\\](?::\\d+)?, "
	  "sasl_method=(?<method>[^,\\s]*), sasl_username=(?<user>[^,\\s]+)" },
	{ "postfix-sasl-failed", PC_POSTFIX_SMTPD, RK_LOGIN_FAILED, "postfix",
	  "smtp-auth", "authentication failed",
	  "warning: (?<host>[^\\[\\s]*)\\[" IP "\\](?::\\d+)?: "
	  "SASL (?<method>[\\w-]+) authentication failed"
	  "(?:.*, sasl_username=(?<user>[^,\\s]+))?" },

	/* --- Dovecot ---------------------------------------------------- */
	{ "dovecot-login", PC_DOVECOT, RK_LOGIN_OK, "dovecot", NULL,
	  "Login: user=",
	  "(?<service>pop3|imap|submission|managesieve|lmtp)-login: "
	  "(?:Info: )?Login: user=<(?<user>[^>]*)>"
	  "(?:, method=(?<method>[^,\\s]+))?, rip=" IP },
	{ "dovecot-login-failed", PC_DOVECOT, RK_LOGIN_FAILED, "dovecot", NULL,
	  "auth failed",
	  "(?<service>pop3|imap|submission|managesieve)-login: "
	  "(?:Info: )?.*?\\((?:proxy dest )?auth failed[,)].*?"
	  "(?:user=<(?<user>[^>]*)>, )?(?:method=(?<method>[^,\\s]+), )?"
	  "rip=" IP },
	{ "dovecot-passdb-failed", PC_DOVECOT, RK_LOGIN_FAILED, "dovecot", "",
	  "mismatch|unknown user|pam_authenticate|invalid credentials",
	  "\\b(?:passwd-file|pam|sql|ldap|passwd|shadow|checkpassword|bsdauth"
	  "|vpopmail|lua|oauth2|dict|static)\\((?<user>[^,()]*),"
	  "(?<ip>[0-9A-Fa-f]*[.:][0-9A-Fa-f.:]+)(?:,[^)]*)?\\): "
	  "(?:Password mismatch|unknown user|invalid credentials"
	  "|pam_authenticate\\(\\) failed)" },
	{ "dovecot-auth-failed", PC_DOVECOT, RK_LOGIN_FAILED, "dovecot", "",
	  "mismatch|unknown user",
	  "^auth\\((?<user>[^,()]*),(?<ip>[0-9A-Fa-f]*[.:][0-9A-Fa-f.:]+)"
	  "(?:,[^)]*)?\\)(?:<[^>]*>)?: (?:Info: )?\\w+: "
	  "(?:Password mismatch|unknown user)" },
	{ "dovecot-pam-unix", PC_DOVECOT, RK_LOGIN_FAILED, "dovecot", "",
	  "pam_unix(dovecot",
	  "pam_unix\\(dovecot:auth\\): authentication failure;"
	  ".*\\brhost=(?<ip>[0-9A-Fa-f]*[.:][0-9A-Fa-f.:]+)"
	  "(?:\\s+user=(?<user>\\S+))?" },

	/* --- Sendmail --------------------------------------------------- */
	{ "sendmail-reject", PC_SENDMAIL, RK_REJECT, "sendmail", NULL,
	  "reject=",
	  "(?:(?<qid>\\w+): )?ruleset=check_(?<ruleset>\\w+), "
	  "arg1=<?(?<rcpt>[^>,]*)>?, (?:arg2=[^,]*, )?"
	  "relay=(?:(?<host>[^\\s\\[,]+)\\s*)?\\[" IP "\\]"
	  "(?: \\(may be forged\\))?, "
	  "reject=(?<code>[45]\\d\\d) (?<status>[45]\\.\\d{1,3}\\.\\d{1,3}) "
	  "(?:<[^>]*>\\.\\.\\. )?(?<reason>.*)" },
	{ "sendmail-from", PC_SENDMAIL, RK_SM_FROM, "sendmail", NULL,
	  ": from=<",
	  "(?<qid>\\w+): from=<(?<sender>[^>]*)>" },
	{ "sendmail-auth-failed", PC_SENDMAIL, RK_LOGIN_FAILED, "sendmail",
	  "smtp-auth", "AUTH failure",
	  "AUTH failure \\((?<method>[^)]*)\\):"
	  "(?:.*?, user=(?<user>[^,\\s]+))?"
	  ".*relay=(?:(?<host>[^\\s\\[,]+) )?\\[" IP "\\]" },
	{ "sendmail-user-unknown", PC_SENDMAIL, RK_OTHER_REJECT, "sendmail",
	  NULL, "User unknown|No such user",
	  "(?<qid>\\w+): <(?<rcpt>[^>]*)>\\.\\.\\. "
	  "(?<reason>User unknown|No such user.*)" },

	/* --- Exim (mainlog, or syslog with its twin lines) --------------- */
	{ "exim-reject-rcpt", PC_EXIM, RK_REJECT, "exim", NULL,
	  "rejected",
	  EXIM_H ".*? F=<?(?<sender>[^>\\s]*)>? "
	  "rejected RCPT <?(?<recipient>[^>\\s]*?)>?: (?<reason>.*)" },
	{ "exim-auth-failed", PC_EXIM, RK_LOGIN_FAILED, "exim", "smtp-auth",
	  "fail",
	  "(?<method>[\\w-]+) authenticator failed for "
	  "(?:(?<host>[^\\s(\\[]+) )?(?:\\((?<helo>[^)]*)\\) )?"
	  "\\[" IP "\\](?::\\d+)?.*?: 535 [^(]*"
	  "(?:\\(set_id=(?<user>[^)]*)\\))?" },
	{ "exim-auth-login", PC_EXIM, RK_LOGIN_OK, "exim", "smtp-auth",
	  " A=",
	  "<= (?<sender>\\S+) .*?" EXIM_H ".*? A=(?<method>[\\w-]+):"
	  "(?<user>\\S+)" },
	{ "exim-other-reject", PC_EXIM, RK_OTHER_REJECT, "exim", NULL,
	  "fail|rejected|dropped by '",
	  EXIM_H ".*?(?<reason>sender verify fail.*|rejected by local_scan.*"
	  "|rejected after DATA.*|dropped by '.*)" },
	{ "exim-other-reject-f", PC_EXIM, RK_OTHER_REJECT, "exim", NULL,
	  "rejected",
	  "F=<?(?<sender>[^>\\s]*)>? " EXIM_H ".*?"
	  "(?<reason>rejected by local_scan.*)" },

	/* --- Courier ---------------------------------------------------- */
	{ "courier-esmtpd-reject", PC_POPIMAP, RK_REJECT, "courier", NULL,
	  "error,relay=",
	  "error,relay=" IP ",(?:ident=[^,]*,)?(?:port=\\d+,)?"
	  "from=<(?<sender>[^>]*)>,to=<(?<recipient>[^>]*)>: "
	  "(?<code>[2-5]\\d\\d)[ -](?<reason>.*)" },
	{ "courier-esmtpd-auth", PC_POPIMAP, RK_LOGIN_FAILED, "courier",
	  "smtp-auth", "Authentication failed",
	  "error,relay=" IP ",(?:port=\\d+,)?msg=\"535 " },
	{ "courier-login", PC_POPIMAP, RK_LOGIN_OK, "courier", NULL,
	  "LOGIN, user=",
	  "LOGIN, user=(?<user>[^,]+), ip=\\[" IP "\\]" },
	{ "courier-login-failed", PC_POPIMAP, RK_LOGIN_FAILED, "courier", NULL,
	  "LOGIN FAILED",
	  "LOGIN FAILED, (?:user=(?<user>[^,]*), )?(?:method=[^,]*, )?"
	  "ip=\\[" IP "\\]" },

	/* --- Cyrus, UW, qpopper, vpopmail, solid-pop3d ------------------- */
	{ "cyrus-badlogin", PC_POPIMAP, RK_LOGIN_FAILED, "cyrus", NULL,
	  "badlogin: ",
	  "badlogin: (?:(?<host>[^\\s\\[]+) ?)?\\[" IP "\\] (?<method>\\S+)"
	  "(?: (?<user>[^\\s\\[]+)(?= ))?" },
	{ "cyrus-login", PC_POPIMAP, RK_LOGIN_OK, "cyrus", NULL,
	  ": login: ",
	  ": login: (?:(?<host>[^\\s\\[]+) ?)?\\[" IP "\\] (?<user>\\S+) "
	  "(?<method>\\S+)" },
	{ "uw-login", PC_POPIMAP, RK_LOGIN_OK, "uw", NULL,
	  "Login user=|Authenticated user=",
	  "(?:Login|Authenticated) user=(?<user>\\S+) (?:auth=\\S+ )?"
	  "host=(?:(?<host>\\S+) )?\\[" IP "\\]" },
	{ "uw-login-failed", PC_POPIMAP, RK_LOGIN_FAILED, "uw", NULL,
	  "Login failed|Login excessive|Login disabled",
	  "Login (?:failed|excessive login failures|disabled) "
	  "user=(?<user>\\S+) (?:auth=\\S+ )?"
	  "host=(?:(?<host>\\S+) )?\\[" IP "\\]" },
	{ "qpopper-login", PC_POPIMAP, RK_LOGIN_OK, "qpopper", "pop3",
	  "POP login by user",
	  "POP login by user \"(?<user>[^\"]+)\" at \\((?<host>[^)]*)\\) " IP },
	{ "vpopmail-login", PC_POPIMAP, RK_LOGIN_OK, "vpopmail", NULL,
	  ": login [",
	  "vchkpw-(?<service>\\w+)(?:\\[\\d+\\])?: login \\[(?<user>[^\\]]+)\\]"
	  " from " IP },
	{ "vpopmail-login-failed", PC_POPIMAP, RK_LOGIN_FAILED, "vpopmail",
	  NULL, "vchkpw-",
	  "vchkpw-(?<service>\\w+)(?:\\[\\d+\\])?: (?:password fail|vpopmail "
	  "user not found|invalid user)[^:]*?(?: (?<user>[^\\s:]+))?:" IP "$" },
	{ "solid-pop3d-failed", PC_POPIMAP, RK_LOGIN_FAILED, "solid-pop3d",
	  "pop3", "failed|not allowed|APOP secret",
	  "(?:authentication failed|root login not allowed"
	  "|can't find APOP secret|APOP authentication failed)"
	  "(?:.*?(?:can't map user name: |for (?:mapped )?user )"
	  "(?<user>\\S+))?.* - " IP "$" },

	/* --- anything else: customised relay texts ----------------------- */
	{ "generic-relay", PC_QMAIL | PC_OTHER, RK_RELAY, "other", NULL,
	  "elay |elaying|Relay|ELAY|not relay|to relay",
	  "(?i)^(?:.*?\\[" IP "\\])?(?:.*?(?<code>[45]\\d\\d)[ -])?.*?"
	  "(?<reason>we do not relay|unable to relay"
	  "|relay(?:ing)? (?:access )?(?:temporarily )?"
	  "(?:denied|not permitted|not allowed)"
	  "|relaying (?:mail )?to \\S+ is not allowed)" },
};

const unsigned n_builtin_rules = sizeof(builtin_rules) /
    sizeof(builtin_rules[0]);
