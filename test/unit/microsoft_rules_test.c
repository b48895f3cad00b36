/*
 * microsoft_rules_test.c - every Microsoft 365 / Exchange code of the
 * seed documents, classified by the real rules/ folder.
 *
 * Each case is a recipient as a Microsoft report would give it (status,
 * reply code, the server's words, the report's format) and what a
 * person reading Microsoft's documentation would decide: the routing
 * category, who must act, and whether the address itself is bad. The
 * expectations come from the documented meaning of each code, not from
 * the rule that happens to implement it.
 *
 * BOUNCE_TEST_RULES names the rules folder (default "rules").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"

struct ms_case {
	const char *status;
	const char *reply;
	const char *text;	/* the diagnostic */
	const char *vendor;	/* NULL: office365 */
	const char *category;
	const char *owner;
	bool	    hard;
	const char *action;	/* NULL: failed */
};

#define NDR(st, rc, txt, cat, own, hrd) \
	{ (st), (rc), (txt), NULL, (cat), (own), (hrd), NULL }
#define NDR_V(st, rc, txt, vend, cat, own, hrd) \
	{ (st), (rc), (txt), (vend), (cat), (own), (hrd), NULL }

static struct bounce_rules *rules;

/* ---- SMTP AUTH: the sending client's login ------------------------- */

static const struct ms_case auth_cases[] = {
	NDR("5.7.139", "535", "535 5.7.139 Authentication unsuccessful, basic authentication is disabled. [DM6PR01CA0001.namprd01.prod.outlook.com]",
	    "auth-failure", "sender-admin", false),
	NDR("5.7.139", "535", "535 5.7.139 Authentication unsuccessful, the user credentials were incorrect because multi-factor sign-in is required",
	    "auth-failure", "sender-admin", false),
	NDR("5.7.139", "535", "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant",
	    "auth-failure", "sender-admin", false),
	NDR("5.7.3", "535", "535 5.7.3 Authentication unsuccessful [BY5PR17CA0042.namprd17.prod.outlook.com]",
	    "auth-failure", "sender-admin", false),
	NDR("5.7.8", "535", "535 5.7.8 Error: authentication failed: Authentication credentials invalid",
	    "auth-failure", "sender-admin", false),
	NDR("5.7.14", "550", "550 5.7.14 Trust relationship required: this mailbox must sign in with modern authentication",
	    "auth-failure", "sender-admin", false),
	NDR("5.7.57", "530", "530 5.7.57 Client was not authenticated to send anonymous mail during MAIL FROM [AM0PR02CA0099.eurprd02.prod.outlook.com]",
	    "auth-failure", "sender-admin", false),
	NDR("5.7.142", "535", "535 5.7.142 XOAUTH2 authentication failed. Token will expire soon.",
	    "auth-failure", "sender-admin", false),
	NDR("5.7.143", "535", "535 5.7.143 XOAUTH2 authentication failed. Expired token.",
	    "auth-failure", "sender-admin", false),
	NDR("5.7.144", "535", "535 5.7.144 XOAUTH2 authentication failed. Invalid API permissions.",
	    "auth-failure", "sender-admin", false),
	NDR("5.7.1", "530", "530 5.7.1 Client was not authenticated",
	    "auth-failure", "sender-admin", false),
	NDR("5.7.1", "550", "550 5.7.1 Client does not have permissions to send as this sender [SN1PR0501MB1234.namprd05.prod.outlook.com]",
	    "auth-failure", "sender-admin", false),
	NDR("4.7.0", "451", "451 4.7.0 Temporary server error. Please try again later. PRX4",
	    "remote-error", "none", false),
	NDR("5.7.240", "550", "550 5.7.240 The application is not allowed for use with an HVE account. Contact your administrator.",
	    "auth-failure", "sender-admin", false),
	/* The code alone, without Microsoft's words. */
	NDR("5.7.139", "535", "535 5.7.139", "auth-failure", "sender-admin", false),
	NDR("5.7.14", "550", "550 5.7.14", "auth-failure", "sender-admin", false),
};

/* ---- SPF, DKIM, DMARC, reverse DNS --------------------------------- */

static const struct ms_case email_auth_cases[] = {
	NDR("5.7.23", "550", "550 5.7.23 The message was rejected because of Sender Policy Framework violation -> 550 SPF check failed for example.com",
	    "email-auth-failure", "sender-admin", false),
	NDR("5.7.25", "550", "550 5.7.25 Access denied, the sending IPv6 address [2001:db8::25] must have a reverse DNS record.",
	    "email-auth-failure", "sender-admin", false),
	NDR("5.7.26", "550", "550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy.",
	    "email-auth-failure", "sender-admin", false),
	NDR("4.7.26", "450", "450 4.7.26 Access denied, a message sent over IPv6 [2001:db8::1] must pass either SPF or DKIM validation, this message is not signed",
	    "email-auth-failure", "sender-admin", false),
	NDR("5.7.509", "550", "550 5.7.509 Access denied, sending domain [EXAMPLE.COM] does not pass DMARC verification and has a DMARC policy of reject.",
	    "email-auth-failure", "sender-admin", false),
	NDR("4.7.1", "451", "451 4.7.1 Deferred: DMARC alignment could not be verified for example.com, try again later",
	    "email-auth-failure", "sender-admin", false),
	NDR("5.7.367", "550", "550 5.7.367 Remote server returned not permitted to relay -> 550 5.7.1 SPF and DKIM did not pass for forwarded mail",
	    "email-auth-failure", "sender-admin", false),
	NDR("5.7.509", "550", "550 5.7.509", "email-auth-failure", "sender-admin", false),
};

/* ---- the recipient address ----------------------------------------- */

static const struct ms_case recipient_cases[] = {
	NDR("5.1.1", "550", "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found",
	    "mailbox-missing", "sender", true),
	NDR("5.1.1", "550", "550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found",
	    "mailbox-missing", "sender", true),
	NDR("5.1.1", "550", "550 5.1.1 Bad destination mailbox address",
	    "mailbox-missing", "sender", true),
	NDR("5.1.10", "550", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
	    "mailbox-missing", "sender", true),
	/* 5.1.10 is a null MX elsewhere; from Microsoft it is this. */
	NDR("5.1.10", "550", "550 5.1.10 Recipient not found", "mailbox-missing", "sender", true),
	NDR("5.1.10", "550", "550 5.1.10", "mailbox-missing", "sender", true),
	NDR("5.1.351", "550", "550 5.1.351 Remote server returned unknown recipient or mailbox unavailable -> 550 5.1.1 <dave@example.org>: Recipient address rejected: User unknown",
	    "mailbox-missing", "sender", true),
	NDR_V("5.5.0", "550", "550 Requested action not taken: mailbox unavailable (S2017062302)", "outlook",
	    "mailbox-missing", "sender", true),
	NDR_V("5.5.0", "550", "550 5.5.0", "outlook", "mailbox-missing", "sender", true),
	/* 5.4.1: the words decide between a missing recipient and relaying. */
	NDR("5.4.1", "550", "550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [DB5EUR03FT012.eop-EUR03.prod.protection.outlook.com]",
	    "mailbox-missing", "sender", true),
	NDR("5.4.1", "550", "550 5.4.1 Relay Access Denied [VI1EUR04FT005.eop-eur04.prod.protection.outlook.com]",
	    "relay-denied", "recipient-admin", false),
	NDR("5.7.504", "550", "550 5.7.504 [dave@example.org]: Recipient address rejected: Access denied",
	    "mailbox-missing", "sender", true),
	NDR("5.7.505", "550", "550 5.7.505 Access denied, banned recipient",
	    "mailbox-disabled", "sender", true),
	NDR("5.1.241", "550", "550 5.1.241 The message can't be delivered because the recipient is an HVE account; such accounts only send",
	    "mailbox-missing", "sender", true),
	NDR("5.1.0", "550", "550 5.1.0 Sender denied [IMCEAEX-_O=EXAMPLE_OU=EXCHANGE@example.com]",
	    "mailbox-missing", "sender", false),
	/* 5.7.13: a disabled account in STOREDRV's words, else a public folder. */
	NDR("5.7.13", "550", "550 5.7.13 STOREDRV.Deliver.Exception:AccountDisabledException.MapiExceptionADUserDisabledAndHidden; Failed to process message due to a permanent exception",
	    "mailbox-disabled", "recipient-admin", false),
	NDR("5.7.13", "550", "550 5.7.13 Delivery refused: sender was not authenticated for this public folder",
	    "policy-rejected", "recipient-admin", false),
	NDR("5.7.135", "550", "550 5.7.135 Sender was not authenticated for public folder",
	    "policy-rejected", "recipient-admin", false),
	NDR("5.7.13", "550", "550 5.7.13", "policy-rejected", "recipient-admin", false),
	NDR("5.2.1", "550", "550 5.2.1 Mailbox disabled, not accepting messages",
	    "mailbox-disabled", "recipient-admin", false),
	NDR_V("", "", "The recipient name is not recognized MSEXCH:IMS:EXAMPLE:SITE:MAIL1 0 (000C05A6) Unknown Recipient", "exchange2003",
	    "mailbox-missing", "sender", true),
};

/* ---- mailbox full, message size ------------------------------------ */

static const struct ms_case mailbox_cases[] = {
	NDR("5.2.2", "550", "550 5.2.2 STOREDRV.Deliver: mailbox full. The following information should help identify the cause: \"MapiExceptionShutoffQuotaExceeded:16.18969:C5000000\"",
	    "mailbox-full", "recipient-admin", false),
	NDR("5.2.2", "552", "552 5.2.2 Mailbox full", "mailbox-full", "recipient-admin", false),
	NDR("5.2.3", "552", "552 5.2.3 RESOLVER.RST.RecipSizeLimit; message too large for this recipient",
	    "message-too-large", "sender", false),
	NDR("5.3.4", "552", "552 5.3.4 Message size exceeds fixed maximum message size",
	    "message-too-large", "sender", false),
};

/* ---- sending and receiving limits ---------------------------------- */

static const struct ms_case rate_cases[] = {
	/* 5.2.2 is a full mailbox, unless the words say submission quota. */
	NDR("5.2.2", "550", "550 5.2.2 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message due to a permanent exception",
	    "rate-limited", "sender-admin", false),
	NDR("", "", "The message can't be submitted because the sender's submission quota was exceeded.",
	    "rate-limited", "sender-admin", false),
	NDR("5.1.90", "550", "550 5.1.90 Your message can't be sent because you've reached your daily limit for message recipients",
	    "rate-limited", "sender-admin", false),
	NDR("5.2.121", "550", "550 5.2.121 Recipient's per hour message receive limit from specific sender exceeded",
	    "rate-limited", "sender-admin", false),
	NDR("5.2.122", "550", "550 5.2.122 Recipient's per hour message receive limit exceeded",
	    "rate-limited", "sender-admin", false),
	NDR("4.3.2", "432", "432 4.3.2 STOREDRV.Deliver; recipient thread limit exceeded",
	    "rate-limited", "sender-admin", false),
	NDR("5.7.232", "550", "550 5.7.232 Your message can't be sent because your trial tenant has exceeded its daily limit for sending email to external recipients (tenant external recipient rate limit)",
	    "rate-limited", "sender-admin", false),
	NDR("5.7.233", "550", "550 5.7.233 Your message can't be sent because your tenant exceeded its daily limit for sending email to external recipients",
	    "rate-limited", "sender-admin", false),
	NDR("5.7.236", "550", "550 5.7.236 Your tenant has exceeded its daily limit for sending email to external recipients from its onmicrosoft.com domains",
	    "rate-limited", "sender-admin", false),
	NDR("5.7.508", "550", "550 5.7.508 Access denied, [2001:db8:1::1] has exceeded permitted limits within 2001:db8:1::/48 range",
	    "rate-limited", "sender-admin", false),
	NDR("4.5.3", "452", "452 4.5.3 Too many recipients", "rate-limited", "sender-admin", false),
	NDR("4.3.240", "421", "421 4.3.240 The maximum number of concurrent server connections has exceeded a per authenticated source limit, closing transmission channel",
	    "rate-limited", "sender-admin", false),
	NDR("4.4.244", "450", "450 4.4.244 The HVE message can't be submitted because the recipient rate limit was exceeded.",
	    "rate-limited", "sender-admin", false),
	NDR("5.2.121", "550", "550 5.2.121", "rate-limited", "sender-admin", false),
};

/* ---- the 5.7.5xx-7xx "Access denied" family ------------------------ */

static const struct ms_case access_cases[] = {
	NDR("4.7.500", "451", "451 4.7.500 Access denied, please try again later (AS761)",
	    "reputation-block", "sender-admin", false),
	NDR("4.7.612", "451", "451 4.7.612 Access denied, please try again later",
	    "reputation-block", "sender-admin", false),
	NDR("4.7.899", "451", "451 4.7.899 Access denied, please try again later [192.0.2.89]",
	    "reputation-block", "sender-admin", false),
	NDR("4.7.852", "451", "451 4.7.852 Access denied, please try again later",
	    "reputation-block", "sender-admin", false),
	NDR("4.7.650", "451", "451 4.7.650 The mail server [192.0.2.25] has been temporarily rate limited due to IP reputation.",
	    "reputation-block", "sender-admin", false),
	NDR("5.7.501", "550", "550 5.7.501 Access denied, spam abuse detected. The sending account has been banned.",
	    "reputation-block", "sender-admin", false),
	NDR("5.7.502", "550", "550 5.7.502 Access denied, banned sender", "reputation-block", "sender-admin", false),
	NDR("5.7.503", "550", "550 5.7.503 Access denied, banned sender", "reputation-block", "sender-admin", false),
	NDR("5.7.506", "550", "550 5.7.506 Access Denied, Bad HELO", "reputation-block", "sender-admin", false),
	NDR("5.7.507", "550", "550 5.7.507 Access denied, rejected by recipient",
	    "reputation-block", "recipient-admin", false),
	NDR("5.7.510", "550", "550 5.7.510 Access denied, example.org does not accept email over IPv6",
	    "policy-rejected", "sender-admin", false),
	NDR("5.7.511", "550", "550 5.7.511 Access denied, banned sender [192.0.2.11]",
	    "reputation-block", "sender-admin", false),
	NDR("5.7.513", "550", "550 5.7.513 Service unavailable, Client host [192.0.2.13] blocked by example.org using Customer Block list (AS16012607)",
	    "reputation-block", "recipient-admin", false),
	NDR("5.7.606", "550", "550 5.7.606 Access denied, banned sending IP [192.0.2.66]. Request removal at the delist portal.",
	    "reputation-block", "sender-admin", false),
	NDR("5.7.649", "550", "550 5.7.649 Access denied, banned sending IP [192.0.2.69]",
	    "reputation-block", "sender-admin", false),
	NDR("5.7.703", "550", "550 5.7.703 Your message can't be delivered because messages to carol@example.net are blocked by your organization using Tenant Allow Block List",
	    "policy-rejected", "sender-admin", false),
	NDR("5.7.705", "550", "550 5.7.705 Access denied, tenant has exceeded threshold",
	    "reputation-block", "sender-admin", false),
	NDR("5.7.708", "550", "550 5.7.708 Access denied, traffic not accepted from this IP",
	    "reputation-block", "sender-admin", false),
	NDR("5.7.750", "550", "550 5.7.750 Service unavailable. Client blocked from sending from unregistered domains",
	    "policy-rejected", "sender-admin", false),
	NDR("5.7.800", "550", "550 5.7.800 Access denied, banned sender", "reputation-block", "sender-admin", false),
	NDR("5.1.8", "550", "550 5.1.8 Access denied, bad outbound sender",
	    "reputation-block", "sender-admin", false),
	NDR("5.1.8", "501", "501 5.1.8 Sender address rejected: the sender's domain does not resolve",
	    "policy-rejected", "sender-admin", false),
	NDR("5.7.1", "550", "550 5.7.1 Messages from [192.0.2.31] weren't sent: part of their network is on our block list (S3150)",
	    "reputation-block", "sender-admin", false),
	NDR_V("", "550", "550 SC-001 (BAY0-MC4-F12) Unfortunately, messages from 192.0.2.41 weren't sent. Please contact your Internet service provider.", "outlook",
	    "reputation-block", "sender-admin", false),
	NDR_V("", "550", "550 DY-001 (SNT0-MC2-F5) Unfortunately, messages from 192.0.2.42 weren't sent: mail from dynamic IP addresses is not accepted.", "outlook",
	    "reputation-block", "sender-admin", false),
	/* The codes alone. */
	NDR("5.7.606", "550", "550 5.7.606", "reputation-block", "sender-admin", false),
	NDR("5.7.708", "550", "550 5.7.708", "reputation-block", "sender-admin", false),
	NDR("5.7.513", "550", "550 5.7.513", "reputation-block", "recipient-admin", false),
};

/* ---- who may send to the recipient --------------------------------- */

static const struct ms_case restriction_cases[] = {
	NDR("5.7.1", "550", "550 5.7.1 RESOLVER.RST.NotAuthorized; not authorized",
	    "policy-rejected", "sender", false),
	NDR("5.7.1", "550", "550 5.7.1 Delivery not authorized, message refused",
	    "policy-rejected", "sender", false),
	NDR("5.7.12", "550", "550 5.7.12 Sender was not authenticated by organization",
	    "policy-rejected", "recipient-admin", false),
	NDR("5.7.124", "550", "550 5.7.124 Sender not in allowed-senders list",
	    "policy-rejected", "recipient-admin", false),
	NDR("5.7.133", "550", "550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; sender not authenticated for group",
	    "policy-rejected", "recipient-admin", false),
	NDR("5.7.134", "550", "550 5.7.134 RESOLVER.RST.SenderNotAuthenticatedForMailbox; sender was not authenticated for mailbox",
	    "policy-rejected", "recipient-admin", false),
	NDR("5.7.136", "550", "550 5.7.136 RESOLVER.RST.SenderNotAuthenticatedForMailUser; sender was not authenticated",
	    "policy-rejected", "recipient-admin", false),
	NDR("5.3.190", "550", "550 5.3.190 Journaling on-premises messages to Microsoft 365 is not supported when Journaling Archive is disabled",
	    "policy-rejected", "sender-admin", false),
	NDR("5.0.350", "550", "550 5.0.350 Remote server returned an error -> 550 x-dg-ref header is too long",
	    "invalid-message", "sender", false),
	NDR("5.0.350", "550", "550 5.0.350 Requested action not taken: policy violation detected (AS345)",
	    "policy-rejected", "sender", false),
	NDR("5.0.350", "550", "550 5.0.350 Generic error", "remote-error", "recipient-admin", false),
	NDR("5.2.4", "550", "550 5.2.4 Mailing list expansion problem: the group has no members",
	    "remote-error", "recipient-admin", false),
	NDR("5.7.124", "550", "550 5.7.124", "policy-rejected", "recipient-admin", false),
};

/* ---- relaying ------------------------------------------------------ */

static const struct ms_case relay_cases[] = {
	NDR("5.7.1", "550", "550 5.7.1 Unable to relay for carol@example.net",
	    "relay-denied", "sender-admin", false),
	NDR("5.7.64", "550", "550 5.7.64 TenantAttribution; Relay Access Denied [SN1NAM02FT011.eop-nam02.prod.protection.outlook.com]",
	    "relay-denied", "sender-admin", false),
	NDR_V("5.4.1", "550", "550 5.4.1", "office365", "relay-denied", "recipient-admin", false),
};

/* ---- TLS: MTA-STS, DANE, DNSSEC, certificates ---------------------- */

static const struct ms_case tls_cases[] = {
	NDR("4.4.8", "451", "451 4.4.8 MX hosts of example.org failed MTA-STS validation",
	    "tls-failure", "recipient-admin", false),
	NDR("5.4.8", "550", "550 5.4.8 MX hosts of example.org failed MTA-STS validation",
	    "tls-failure", "recipient-admin", false),
	NDR("4.7.5", "451", "451 4.7.5 Remote certificate failed MTA-STS validation. Reason: RemoteCertificateChainErrors",
	    "tls-failure", "recipient-admin", false),
	NDR("5.7.5", "550", "550 5.7.5 Remote certificate failed MTA-STS validation. Reason: RemoteCertificateNameMismatch",
	    "tls-failure", "recipient-admin", false),
	NDR("4.4.317", "450", "450 4.4.317 Cannot connect to remote server [Message=UntrustedRoot]",
	    "tls-failure", "recipient-admin", false),
	NDR("4.7.321", "451", "451 4.7.321 starttls-not-supported: Destination mail server must support TLS to receive mail.",
	    "tls-failure", "recipient-admin", false),
	NDR("5.7.321", "550", "550 5.7.321 starttls-not-supported: Destination mail server must support TLS to receive mail.",
	    "tls-failure", "recipient-admin", false),
	NDR("4.7.322", "451", "451 4.7.322 certificate-expired: Destination mail server's certificate is expired.",
	    "tls-failure", "recipient-admin", false),
	NDR("5.7.322", "550", "550 5.7.322 certificate-expired: Destination mail server's certificate is expired.",
	    "tls-failure", "recipient-admin", false),
	NDR("4.7.323", "451", "451 4.7.323 tlsa-invalid: The domain failed DANE validation.",
	    "tls-failure", "recipient-admin", false),
	NDR("5.7.323", "550", "550 5.7.323 tlsa-invalid: The domain failed DANE validation.",
	    "tls-failure", "recipient-admin", false),
	NDR("4.7.324", "451", "451 4.7.324 dnssec-invalid: Destination domain returned invalid DNSSEC records",
	    "tls-failure", "recipient-admin", false),
	NDR("5.7.324", "550", "550 5.7.324 dnssec-invalid: Destination domain returned invalid DNSSEC records",
	    "tls-failure", "recipient-admin", false),
	NDR("4.7.325", "451", "451 4.7.325 certificate-host-mismatch: Remote certificate MUST have a common name or subject alternative name matching the hostname (DANE)",
	    "tls-failure", "recipient-admin", false),
	NDR("5.7.325", "550", "550 5.7.325 certificate-host-mismatch: Remote certificate MUST have a common name or subject alternative name matching the hostname (DANE)",
	    "tls-failure", "recipient-admin", false),
};

/* ---- network, expiry, loops ---------------------------------------- */

static const struct ms_case network_cases[] = {
	NDR("4.4.7", "550", "550 4.4.7 QUEUE.Expired; message expired",
	    "expired", "recipient-admin", false),
	NDR("4.4.7", "421", "421 4.4.7 Message expired: the receiving server did not accept it in time",
	    "expired", "recipient-admin", false),
	/* A delay warning is routed as such; the rest still comes from the code. */
	{ "4.4.7", "", "Message delayed", NULL, "delayed", "recipient-admin", false, "delayed" },
	NDR("5.4.300", "550", "550 5.4.300 Message expired", "expired", "recipient-admin", false),
	NDR("4.4.316", "450", "450 4.4.316 Connection refused [Message=Socket error code 10061] [LastAttemptedServerName=mx.example.org]",
	    "network-error", "recipient-admin", false),
	NDR("5.4.316", "550", "550 5.4.316 Message expired, connection refused(Socket error code 10061)",
	    "expired", "recipient-admin", false),
	NDR("5.4.312", "550", "550 5.4.312 Message expired, DNS query failed(InfoNoRecords)",
	    "network-error", "recipient-admin", false),
	NDR("5.4.6", "554", "554 5.4.6 Routing loop detected: hop count exceeded - possible mail loop",
	    "network-error", "recipient-admin", false),
	NDR("5.4.6", "554", "554 5.4.6", "network-error", "recipient-admin", false),
	NDR("5.4.14", "554", "554 5.4.14 Hop count exceeded - possible mail loop ATTR34",
	    "network-error", "recipient-admin", false),
	NDR("5.4.4", "554", "554 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain",
	    "domain-missing", "sender", true),
};

/* ---- message format ------------------------------------------------ */

static const struct ms_case content_cases[] = {
	NDR("5.6.11", "550", "550 5.6.11 SMTPSEND.BareLinefeedsAreIllegal; message contains bare linefeeds, which cannot be sent via DATA",
	    "invalid-message", "sender-admin", false),
	NDR("5.6.11", "550", "550 5.6.11 Invalid characters", "invalid-message", "sender-admin", false),
	NDR("5.1.20", "550", "550 5.1.20 Multiple From addresses are not allowed without Sender address",
	    "invalid-message", "sender-admin", false),
	NDR("5.7.512", "550", "550 5.7.512 Access denied, message must be RFC 5322 section 3.6.2 compliant",
	    "invalid-message", "sender-admin", false),
	NDR("5.6.240", "550", "550 5.6.240 One of MIME Headers is not allowed.",
	    "invalid-message", "sender-admin", false),
	NDR("5.6.241", "550", "550 5.6.241 Mandatory From Header is missing or invalid.",
	    "invalid-message", "sender-admin", false),
};

/* ---- High Volume Email: the sending account and tenant ------------- */

static const struct ms_case hve_cases[] = {
	NDR("5.2.240", "550", "550 5.2.240 The email account is not set up properly for the HVE service. Contact your administrator.",
	    "policy-rejected", "sender-admin", false),
	NDR("5.7.241", "550", "550 5.7.241 Trial tenant is not able to use HVE. Contact your administrator.",
	    "policy-rejected", "sender-admin", false),
	NDR("5.7.242", "550", "550 5.7.242 Inactive tenant is not able to use HVE. Contact your administrator.",
	    "policy-rejected", "sender-admin", false),
	NDR("5.7.243", "550", "550 5.7.243 This tenant is blocked from using HVE. Contact your administrator.",
	    "policy-rejected", "sender-admin", false),
	NDR("5.7.244", "550", "550 5.7.244 Message rejected. External sending is not supported for HVE accounts.",
	    "policy-rejected", "sender", false),
	NDR("5.7.245", "550", "550 5.7.245 External sending is not supported for HVE accounts. The message can't be delivered to this recipient.",
	    "policy-rejected", "sender", false),
	NDR("5.7.246", "550", "550 5.7.246 Removed external recipients that were not originally specified on submission.",
	    "policy-rejected", "sender", false),
};

static int
load_rules(void **state)
{
	const char *dir = getenv("BOUNCE_TEST_RULES");
	char err[512];

	(void)state;
	rules = bounce_rules_load(dir != NULL ? dir : "rules", err, sizeof(err));
	if (rules == NULL) {
		fprintf(stderr, "rules: %s\n", err);
		return -1;
	}
	return 0;
}

static int
free_rules(void **state)
{
	(void)state;
	bounce_rules_free(rules);
	return 0;
}

static const char *
span_text(struct bounce_report *r, const char *s)
{
	return text_field(report_arena(r), span_make(s, strlen(s)));
}

/* Classify one case as parse.c would hand it over; 0 if it agrees. */
static int
run_case(const struct ms_case *c)
{
	struct bounce_limits lim;
	struct bounce_report *r;
	struct bounce_recipient *rc;
	int bad = 0;

	bounce_limits_default(&lim);
	assert_non_null(r = report_new());
	r->kind = BOUNCE_KIND_NDR;
	r->vendor = c->vendor != NULL ? c->vendor : "office365";
	assert_non_null(rc = report_add_recipient(r, &lim));
	rc->recipient = "bob@example.org";
	rc->action = c->action != NULL ? c->action : "failed";
	rc->status = span_text(r, c->status);
	rc->reply_code = span_text(r, c->reply);
	rc->diagnostic = span_text(r, c->text);
	rc->diagnostic_type = "smtp";
	report_fill_from_diagnostic(r, rc);	/* component, command */
	bounce_classify(r, rules);

	if (strcmp(rc->category, c->category) != 0 || strcmp(rc->owner, c->owner) != 0 ||
	    rc->hard != c->hard) {
		print_error("%s \"%s\": want %s/%s/%s, got %s/%s/%s (reason %s)\n",
		    c->status[0] != '\0' ? c->status : "(no status)", c->text,
		    c->category, c->owner, c->hard ? "hard" : "soft",
		    rc->category, rc->owner, rc->hard ? "hard" : "soft", rc->reason);
		bad = 1;
	}
	if (rc->summary[0] == '\0' || rc->fix[0] == '\0') {
		print_error("%s: no summary or fix\n", c->text);
		bad = 1;
	}
	if (rc->temporary != (c->status[0] == '4' || (c->action != NULL &&
	    strcmp(c->action, "delayed") == 0))) {
		print_error("%s: temporary is %d\n", c->text, rc->temporary);
		bad = 1;
	}
	bounce_report_free(r);
	return bad;
}

static void
run_cases(const struct ms_case *cases, size_t n)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < n; i++)
		bad += run_case(&cases[i]);
	if (bad > 0)
		fail_msg("%d of %zu cases classified differently", bad, n);
}

#define CASES(name, table) \
	static void name(void **state) { (void)state; run_cases(table, sizeof(table) / sizeof(table[0])); }

CASES(test_auth, auth_cases)
CASES(test_email_auth, email_auth_cases)
CASES(test_recipient, recipient_cases)
CASES(test_mailbox, mailbox_cases)
CASES(test_rate, rate_cases)
CASES(test_access_denied, access_cases)
CASES(test_restrictions, restriction_cases)
CASES(test_relay, relay_cases)
CASES(test_tls, tls_cases)
CASES(test_network, network_cases)
CASES(test_content, content_cases)
CASES(test_hve, hve_cases)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_email_auth),
		cmocka_unit_test(test_recipient),
		cmocka_unit_test(test_mailbox),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_access_denied),
		cmocka_unit_test(test_restrictions),
		cmocka_unit_test(test_relay),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_network),
		cmocka_unit_test(test_content),
		cmocka_unit_test(test_hve),
	};

	return cmocka_run_group_tests_name("microsoft_rules", tests, load_rules, free_rules);
}
