# bouncemilter.sieve - file bounces into folders by X-Bounce-Category.
#
# bouncemilter removes incoming X-Bounce-* fields and writes its own, so
# on mail that passed through it these fields can be trusted. Folder
# names use "/" as the hierarchy separator; with Maildir++ and Dovecot's
# default "." separator, write "Bounces.Delayed" and so on.
# Check it: sieve-test bouncemilter.sieve some-delivered-message
require ["fileinto", "mailbox"];

if exists "X-Bounce-Category" {
	# The address is wrong or gone: stop sending to it.
	if header :is "X-Bounce-Category"
	    ["mailbox-missing", "domain-missing", "mailbox-disabled"] {
		fileinto :create "Bounces/Bad-address";
		stop;
	}
	# Not bounces: the message was delivered.
	if header :is "X-Bounce-Category" "auto-reply" {
		fileinto :create "Bounces/Auto-replies";
		stop;
	}
	# Still being retried: nothing to do yet.
	if header :is "X-Bounce-Category" "delayed" {
		fileinto :create "Bounces/Delayed";
		stop;
	}
	# Spam complaints (ARF): unsubscribe the complainer.
	if header :is "X-Bounce-Category" "feedback" {
		fileinto :create "Bounces/Complaints";
		stop;
	}
	if header :is "X-Bounce-Category" "mailbox-full" {
		fileinto :create "Bounces/Mailbox-full";
		stop;
	}
	# Refused for who sent it or how: the sender's admin must look.
	if header :is "X-Bounce-Category"
	    ["reputation-block", "spam-content", "policy-rejected",
	     "email-auth-failure", "auth-failure", "relay-denied",
	     "rate-limited", "tls-failure", "message-too-large",
	     "invalid-message"] {
		fileinto :create "Bounces/Refused";
		stop;
	}
	fileinto :create "Bounces/Other";
	stop;
}
