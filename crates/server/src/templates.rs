//! Owns HTML rendering: minijinja templates embedded in the binary, auto-escaped by file
//! extension, and the base context every page gets.

use minijinja::Environment;
use rust_embed::RustEmbed;
use serde::Serialize;

#[derive(RustEmbed)]
#[folder = "templates/"]
struct Embedded;

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_loader(|name| {
            Ok(Embedded::get(name).and_then(|f| String::from_utf8(f.data.into_owned()).ok()))
        });
        // Templates are code: an undefined variable is a bug, not an empty string.
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        Self { env }
    }

    pub fn render<S: Serialize>(&self, name: &str, ctx: S) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(ctx)
    }

    /// Every embedded template name (for the test that renders them all).
    pub fn names() -> Vec<String> {
        Embedded::iter().map(|n| n.into_owned()).collect()
    }
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}
