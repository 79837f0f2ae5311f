//! Rendering templates with minijinja: no file system, no network, strict
//! about undefined values (a template naming a value the email does not
//! have is refused when saved), HTML auto-escaped, and a fuel limit so no
//! template can loop forever.

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde_json::Value;

use crate::error::{Error, FieldError, Result};

/// The parts of an email, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// The parts of a template, as stored.
pub struct Parts<'a> {
    pub subject: &'a str,
    pub html: &'a str,
    pub text: &'a str,
}

const FUEL: u64 = 50_000;
const MAX_PART_BYTES: usize = 256 * 1024;

fn environment(html: bool) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    env.set_recursion_limit(32);
    env.set_auto_escape_callback(move |_| {
        if html {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env
}

fn render_part(field: &str, source: &str, context: &Value, html: bool) -> Result<String> {
    if source.len() > MAX_PART_BYTES {
        return Err(Error::invalid(
            field,
            format!("must be at most {MAX_PART_BYTES} bytes"),
        ));
    }
    environment(html)
        .render_str(source, context)
        .map_err(|error| Error::invalid(field, format!("does not render: {error}")))
}

/// Renders every part, reporting each that fails.
pub fn render(parts: &Parts<'_>, context: &Value) -> Result<Rendered> {
    let mut problems = Vec::new();
    let mut take = |result: Result<String>| match result {
        Ok(text) => text,
        Err(Error::Validation(fields)) => {
            problems.extend(fields);
            String::new()
        }
        Err(other) => {
            problems.push(FieldError::new("template", other.to_string()));
            String::new()
        }
    };
    let subject = take(render_part("subject", parts.subject, context, false));
    let html = take(render_part("html", parts.html, context, true));
    let text = take(render_part("text", parts.text, context, false));
    if subject.contains(['\r', '\n']) {
        problems.push(FieldError::new("subject", "must render to a single line"));
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    Ok(Rendered {
        subject: subject.trim().to_owned(),
        html,
        text,
    })
}

/// Stored templates, parsed once for a batch of deliveries: the system
/// defaults and the organizations' own copies.
pub struct Compiled {
    text: Environment<'static>,
    html: Environment<'static>,
    /// The organizations' copies that parsed: (organization, name).
    own: std::collections::HashSet<(i64, String)>,
}

fn key(organization_id: Option<i64>, name: &str) -> String {
    match organization_id {
        Some(id) => format!("{id}/{name}"),
        None => format!("*/{name}"),
    }
}

impl Compiled {
    /// Parses `templates` (organization or `None` for the default, name,
    /// parts). A template that does not parse is left out: an
    /// organization's copy falls back to the default, a default reports
    /// that it does not exist.
    pub fn new<'a>(templates: impl IntoIterator<Item = (Option<i64>, &'a str, Parts<'a>)>) -> Self {
        let (mut text, mut html) = (environment(false), environment(true));
        let mut own = std::collections::HashSet::new();
        for (organization_id, name, parts) in templates {
            let base = key(organization_id, name);
            let mut parsed = true;
            let mut add = |env: &mut Environment<'static>, part: &str, source: &str| {
                if let Err(error) =
                    env.add_template_owned(format!("{base}.{part}"), source.to_owned())
                {
                    parsed = false;
                    tracing::warn!(template = name, organization_id, part, %error, "email template does not parse");
                }
            };
            add(&mut text, "subject", parts.subject);
            add(&mut text, "text", parts.text);
            add(&mut html, "html", parts.html);
            if let (Some(id), true) = (organization_id, parsed) {
                own.insert((id, name.to_owned()));
            }
        }
        Self { text, html, own }
    }

    /// Renders template `name` as `organization_id` sends it (its own copy,
    /// else the default) with `context`.
    pub fn render(
        &self,
        organization_id: Option<i64>,
        name: &str,
        context: &Value,
    ) -> Result<Rendered> {
        let chosen = match organization_id {
            Some(id) if self.own.contains(&(id, name.to_owned())) => Some(id),
            _ => None,
        };
        let base = key(chosen, name);
        let part = |env: &Environment<'static>, part: &str| {
            env.get_template(&format!("{base}.{part}"))
                .and_then(|template| template.render(context))
                .map_err(|error| Error::invalid(part, format!("does not render: {error}")))
        };
        let subject = part(&self.text, "subject")?;
        if subject.contains(['\r', '\n']) {
            return Err(Error::invalid("subject", "must render to a single line"));
        }
        Ok(Rendered {
            subject: subject.trim().to_owned(),
            html: part(&self.html, "html")?,
            text: part(&self.text, "text")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn renders_escapes_and_refuses_bad_templates() {
        let context = json!({ "name": "<Ada>" });
        let parts = Parts {
            subject: "Hi {{ name }}",
            html: "<p>{{ name }}</p>",
            text: "Hi {{ name }}",
        };
        let rendered = render(&parts, &context).expect("renders");
        assert_eq!(rendered.html, "<p>&lt;Ada&gt;</p>");
        assert_eq!(rendered.text, "Hi <Ada>");

        let unknown = Parts {
            subject: "{{ nope }}",
            html: "{% for",
            text: "fine",
        };
        let Err(Error::Validation(fields)) = render(&unknown, &context) else {
            panic!("bad template accepted");
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["subject", "html"]);

        let forever = Parts {
            subject: "s",
            html: "{% for i in range(100000000) %}x{% endfor %}",
            text: "t",
        };
        assert!(render(&forever, &context).is_err());
        let injected = Parts {
            subject: "{{ name }}\nBcc: x@example.com",
            html: "h",
            text: "t",
        };
        assert!(render(&injected, &context).is_err());
    }
}
