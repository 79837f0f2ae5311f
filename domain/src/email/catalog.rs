//! Every email Gatehouse sends, with its default subject, HTML and text and
//! a sample of the values it is rendered with (for previews and for
//! checking an edited template before it is saved).

use serde_json::{Value, json};

/// One kind of email. Its sample holds exactly the values Gatehouse renders
/// it with, so a template saved against the sample renders when sent.
pub struct Kind {
    pub name: &'static str,
    pub description: &'static str,
    pub subject: &'static str,
    pub html: &'static str,
    pub text: &'static str,
    /// Values available to the template, with example values.
    pub sample: fn() -> Value,
}

pub const INVITATION: &str = "invitation";
pub const PASSWORD_CHANGED: &str = "password_changed";
pub const FORCE_RESET_PASSWORD: &str = "force_reset_password";
pub const PASSWORD_RESET_REQUESTED: &str = "password_reset_requested";
pub const EXPORT_FINISHED: &str = "export_finished";
pub const CUSTOMER_WELCOME: &str = "customer_user_welcome";
pub const CUSTOMER_CONFIRMATION: &str = "customer_user_confirmation";
pub const CUSTOMER_FORCE_RESET_PASSWORD: &str = "customer_user_force_reset_password";
pub const CUSTOMER_PASSWORD_RESET_REQUESTED: &str = "customer_user_password_reset_requested";
pub const OAUTH_APPLICATION_CREATED: &str = "oauth_application_created";

/// A system default an earlier version of Gatehouse shipped and stored.
/// A stored system default that still reads exactly like one of these was
/// never edited, so starting the server replaces it with the current
/// default; an edited one is kept.
pub struct Superseded {
    pub name: &'static str,
    pub subject: &'static str,
    pub html: &'static str,
    pub text: &'static str,
}

pub const SUPERSEDED: &[Superseded] = &[Superseded {
    // Before export links were signed, the reader had to log in first.
    name: EXPORT_FINISHED,
    subject: "Your export of {{ rows }} rows is ready",
    html: "<p>Hello {{ first_name }},</p><p>Your export is ready: <a href=\"{{ download_url }}\">download it</a> \
           (log in first) until {{ expires_at }}.</p>",
    text: "Hello {{ first_name }},\n\nYour export is ready: {{ download_url }} (log in first), until {{ expires_at }}.\n",
}];

/// What every email to a back-office user carries.
fn user_sample() -> Value {
    json!({ "first_name": "Ada", "last_name": "Lovelace", "username": "ada", "email": "ada@example.com",
            "organization": "Default" })
}

fn invitation_sample() -> Value {
    let mut sample = user_sample();
    sample["login_url"] = json!("https://gatehouse.example.com");
    sample
}

fn reset_sample() -> Value {
    let mut sample = user_sample();
    sample["reset_url"] = json!("https://gatehouse.example.com/reset-password?token=ghr_example");
    sample["expires_at"] = json!("2026-01-02 10:00 UTC");
    sample
}

/// The catalog, in a stable order.
pub const KINDS: &[Kind] = &[
    Kind {
        name: INVITATION,
        description: "Sent to a new back-office user when an administrator creates the account with an invitation.",
        subject: "You have been invited to {{ organization }}",
        html: "<p>Hello {{ first_name }},</p><p>An account <b>{{ username }}</b> was created for you. \
               Log in at <a href=\"{{ login_url }}\">{{ login_url }}</a> with the password your administrator gives you.</p>",
        text: "Hello {{ first_name }},\n\nAn account {{ username }} was created for you. Log in at {{ login_url }} \
               with the password your administrator gives you.\n",
        sample: invitation_sample,
    },
    Kind {
        name: PASSWORD_CHANGED,
        description: "Tells a back-office user that their password was changed (never the password itself).",
        subject: "Your password was changed",
        html: "<p>Hello {{ first_name }},</p><p>The password of your account <b>{{ username }}</b> was changed. \
               If you did not expect this, contact your administrator.</p>",
        text: "Hello {{ first_name }},\n\nThe password of your account {{ username }} was changed. If you did not \
               expect this, contact your administrator.\n",
        sample: user_sample,
    },
    Kind {
        name: FORCE_RESET_PASSWORD,
        description: "An administrator reset the password: the link sets a new one (single use, time-limited).",
        subject: "Set a new password for {{ organization }}",
        html: "<p>Hello {{ first_name }},</p><p>Your password was reset by an administrator. Set a new one here: \
               <a href=\"{{ reset_url }}\">{{ reset_url }}</a></p><p>The link works once, until {{ expires_at }}.</p>",
        text: "Hello {{ first_name }},\n\nYour password was reset by an administrator. Set a new one here:\n\
               {{ reset_url }}\n\nThe link works once, until {{ expires_at }}.\n",
        sample: reset_sample,
    },
    Kind {
        name: PASSWORD_RESET_REQUESTED,
        description: "Someone asked to reset this account's password: the link sets a new one.",
        subject: "Reset your password",
        html: "<p>Hello {{ first_name }},</p><p>Someone asked to reset your password. If it was you, set a new one \
               here: <a href=\"{{ reset_url }}\">{{ reset_url }}</a></p><p>The link works once, until \
               {{ expires_at }}. If it was not you, ignore this email.</p>",
        text: "Hello {{ first_name }},\n\nSomeone asked to reset your password. If it was you, set a new one here:\n\
               {{ reset_url }}\n\nThe link works once, until {{ expires_at }}. If it was not you, ignore this email.\n",
        sample: reset_sample,
    },
    Kind {
        name: EXPORT_FINISHED,
        description: "The export a user asked for is ready: the link, signed for them, downloads it until it expires.",
        subject: "Your export of {{ rows }} rows is ready",
        html: "<p>Hello {{ first_name }},</p><p>Your export is ready: <a href=\"{{ download_url }}\">download it</a> \
               until {{ expires_at }}.</p><p>The link is made for you: do not forward it.</p>",
        text: "Hello {{ first_name }},\n\nYour export is ready: {{ download_url }} (until {{ expires_at }}).\n\n\
               The link is made for you: do not forward it.\n",
        sample: || {
            let mut sample = user_sample();
            sample["rows"] = json!(1250);
            sample["download_url"] = json!(
                "https://gatehouse.example.com/exports/42?expires=1767348000&signature=a5T0k3nOfTh3Expor7L1nkS1gnedW1thHMACSHA256x"
            );
            sample["expires_at"] = json!("2026-01-02 10:00 UTC");
            sample
        },
    },
    Kind {
        name: CUSTOMER_WELCOME,
        description: "Welcomes a storefront customer user created by an administrator; the link sets their password.",
        subject: "Welcome to {{ website }}",
        html: "<p>Hello {{ first_name }},</p><p>An account was created for you at {{ website }}. Set your password \
               here: <a href=\"{{ set_password_url }}\">{{ set_password_url }}</a></p>",
        text: "Hello {{ first_name }},\n\nAn account was created for you at {{ website }}. Set your password here:\n\
               {{ set_password_url }}\n",
        sample: || {
            json!({ "first_name": "Grace", "website": "Shop", "customer": "Acme",
                           "set_password_url": "https://shop.example.com/set-password?token=ghp_example" })
        },
    },
    Kind {
        name: CUSTOMER_CONFIRMATION,
        description: "Asks a customer user who registered on the storefront to confirm their email address.",
        subject: "Confirm your email address for {{ website }}",
        html: "<p>Hello {{ first_name }},</p><p>Confirm your email address: <a href=\"{{ confirm_url }}\">{{ confirm_url }}</a></p>",
        text: "Hello {{ first_name }},\n\nConfirm your email address:\n{{ confirm_url }}\n",
        sample: || {
            json!({ "first_name": "Grace", "website": "Shop",
                           "confirm_url": "https://shop.example.com/confirm-email?token=ghe_example" })
        },
    },
    Kind {
        name: CUSTOMER_FORCE_RESET_PASSWORD,
        description: "An administrator reset a customer user's password: the link sets a new one.",
        subject: "Set a new password for {{ website }}",
        html: "<p>Hello {{ first_name }},</p><p>Your password was reset. Set a new one here: \
               <a href=\"{{ reset_url }}\">{{ reset_url }}</a></p><p>The link works once, until {{ expires_at }}.</p>",
        text: "Hello {{ first_name }},\n\nYour password was reset. Set a new one here:\n{{ reset_url }}\n\n\
               The link works once, until {{ expires_at }}.\n",
        sample: || {
            json!({ "first_name": "Grace", "website": "Shop", "expires_at": "2026-01-02 10:00 UTC",
                           "reset_url": "https://shop.example.com/reset-password?token=ghr_example" })
        },
    },
    Kind {
        name: CUSTOMER_PASSWORD_RESET_REQUESTED,
        description: "A customer user asked to reset their password on the storefront: the link sets a new one.",
        subject: "Reset your password for {{ website }}",
        html: "<p>Hello {{ first_name }},</p><p>Someone asked to reset the password of your account at {{ website }}. \
               If it was you, set a new one here: <a href=\"{{ reset_url }}\">{{ reset_url }}</a></p>\
               <p>The link works once, until {{ expires_at }}. If it was not you, ignore this email.</p>",
        text: "Hello {{ first_name }},\n\nSomeone asked to reset the password of your account at {{ website }}. \
               If it was you, set a new one here:\n{{ reset_url }}\n\nThe link works once, until {{ expires_at }}. \
               If it was not you, ignore this email.\n",
        sample: || {
            json!({ "first_name": "Grace", "website": "Shop", "expires_at": "2026-01-02 10:00 UTC",
                    "site_url": "https://shop.example.com",
                    "reset_url": "https://shop.example.com/reset-password?token=ghp_example" })
        },
    },
    Kind {
        name: OAUTH_APPLICATION_CREATED,
        description: "Tells the owner of a new OAuth application its client id (never the secret).",
        subject: "OAuth application {{ application }} was created",
        html: "<p>Hello {{ first_name }},</p><p>The OAuth application <b>{{ application }}</b> was created for you \
               with the client id <code>{{ client_id }}</code>.</p>",
        text: "Hello {{ first_name }},\n\nThe OAuth application {{ application }} was created for you with the \
               client id {{ client_id }}.\n",
        sample: || json!({ "first_name": "Ada", "application": "ERP sync", "client_id": "gh_client_example" }),
    },
];

/// The kind named `name`.
pub fn kind(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|kind| kind.name == name)
}
