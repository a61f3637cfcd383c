//! Owns the two sign-up messages: the confirmation link for a new address, and the note to the
//! owner of a registered one. Plain text, so nothing in them (the site's or the user's names)
//! can be markup.

use vitrine_db::UserRecord;

/// Where sign-up messages point, from the site's public URL.
#[derive(Debug, Clone)]
pub struct SignupLinkBase {
    /// The site's own URL (`https://img.example.org`), for the message and its sign-in links.
    pub site_url: String,
    /// The confirmation link without its secret (`https://img.example.org/signup/confirm/`).
    pub link_prefix: String,
}

/// Subject and body of the confirmation link's message.
pub(crate) fn confirm_message(
    username: &str,
    site: &str,
    base: &SignupLinkBase,
    token: &str,
    ttl_secs: i64,
) -> (String, String) {
    let body = format!(
        "Hello,\n\n\
         Someone asked to create the account \"{username}\" on {site} ({url}) with this e-mail \
         address.\n\
         To create it, open this link within {hours} hours and press \"Create my account\" \
         (the link works once):\n\n\
         {prefix}{token}\n\n\
         If you did not ask for this, ignore this message: no account is created.\n",
        url = &base.site_url,
        hours = ttl_secs / 3600,
        prefix = &base.link_prefix,
    );
    (format!("Confirm your new account on {site}"), body)
}

/// Subject and body of the note to the owner of an address someone tried to sign up with.
pub(crate) fn attempt_note(
    owner: &UserRecord,
    site: &str,
    base: &SignupLinkBase,
) -> (String, String) {
    let greeting = owner
        .display_name
        .as_deref()
        .unwrap_or(owner.username.as_str());
    let body = format!(
        "Hello {greeting},\n\n\
         Someone tried to create a new account on {site} ({url}) with this e-mail address, \
         which already belongs to your account \"{name}\".\n\n\
         If it was you, sign in instead: {url}/login\n\
         Forgot your password? Ask for a new one: {url}/forgot-password\n\n\
         If it was not you, ignore this message: nothing was changed.\n",
        name = owner.username.as_str(),
        url = &base.site_url,
    );
    (
        format!("Someone tried to sign up on {site} with your address"),
        body,
    )
}
