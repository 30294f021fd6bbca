//! The identity providers the operator configured, from the TOML file named by
//! `--sign-in-providers` (README, "Single sign-on"). Read once at start; a bad file stops the
//! server with a message naming the entry, rather than hiding a button.

use std::path::Path;

use serde::Deserialize;

use super::github::Endpoints;

/// Provider ids that would collide with other `/login/...` pages.
const RESERVED_IDS: &[&str] = &["link", "passkey", "second-factor", "sso"];

#[derive(Debug, Clone)]
pub struct Provider {
    /// In the URLs: `/login/{id}` and the redirect URL `/login/{id}/callback`.
    pub id: String,
    /// On the button: "Sign in with {name}".
    pub name: String,
    pub protocol: Protocol,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// When not empty, only emails in these domains may sign in through this provider.
    pub allowed_domains: Vec<String>,
    /// The provider's `amr` claim saying "mfa" (or two methods) counts as two factors.
    pub trust_mfa: bool,
    /// Emails from this provider count as verified even without `email_verified` (a
    /// single-tenant directory whose administrators assign the addresses, such as Entra ID).
    pub trust_email: bool,
}

#[derive(Debug, Clone)]
pub enum Protocol {
    /// OpenID Connect: the issuer whose discovery document, keys and ID tokens are used.
    Oidc { issuer: String },
    /// GitHub's OAuth 2.0 and REST API (github.com, or an Enterprise Server).
    GitHub(Endpoints),
}

impl Provider {
    /// May `email` sign in through this provider?
    pub fn allows(&self, email: &str) -> bool {
        if self.allowed_domains.is_empty() {
            return true;
        }
        let domain = email.rsplit_once('@').map_or("", |(_, domain)| domain);
        self.allowed_domains
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(domain))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default, rename = "provider")]
    providers: Vec<Entry>,
}

#[derive(Debug, Default, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Kind {
    #[default]
    Oidc,
    Google,
    Microsoft,
    GitHub,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: String,
    #[serde(default)]
    kind: Kind,
    name: Option<String>,
    issuer: Option<String>,
    /// Microsoft Entra ID: the directory (tenant) id; its issuer names it.
    tenant: Option<String>,
    /// GitHub Enterprise Server: its address (default github.com).
    github_url: Option<String>,
    client_id: String,
    client_secret: Option<String>,
    /// The name of an environment variable holding the secret, to keep it out of the file.
    client_secret_env: Option<String>,
    #[serde(default)]
    allowed_domains: Vec<String>,
    #[serde(default)]
    trust_mfa: bool,
    trust_email: Option<bool>,
}

/// Reads and checks the providers file; an absent setting means no providers.
pub fn load(path: Option<&Path>) -> anyhow::Result<Vec<Provider>> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|error| anyhow::anyhow!("sign-in providers file {}: {error}", path.display()))?;
    parse(&text, |name| std::env::var(name).ok())
        .map_err(|error| anyhow::anyhow!("sign-in providers file {}: {error}", path.display()))
}

fn parse(text: &str, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Vec<Provider>> {
    let file: File = toml::from_str(text)?;
    let mut providers: Vec<Provider> = Vec::new();
    for entry in file.providers {
        let id = entry.id.clone();
        let provider = resolve(entry, &env).map_err(|error| anyhow::anyhow!("[{id}]: {error}"))?;
        if providers.iter().any(|other| other.id == provider.id) {
            anyhow::bail!("[{id}]: two providers have this id");
        }
        providers.push(provider);
    }
    Ok(providers)
}

fn resolve(entry: Entry, env: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Provider> {
    let id_ok = !entry.id.is_empty()
        && entry.id.len() <= 32
        && entry
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !id_ok {
        anyhow::bail!("id must be 1 to 32 lowercase letters, digits or dashes");
    }
    if RESERVED_IDS.contains(&entry.id.as_str()) {
        anyhow::bail!("id {:?} is taken by another sign-in page", entry.id);
    }
    let (url, default_name, trust_email) = match entry.kind {
        Kind::Oidc => {
            let issuer = entry
                .issuer
                .ok_or_else(|| anyhow::anyhow!("issuer is required (the provider's base URL)"))?;
            (issuer, None, false)
        }
        Kind::Google => (
            "https://accounts.google.com".to_owned(),
            Some("Google"),
            false,
        ),
        Kind::GitHub => (
            entry
                .github_url
                .clone()
                .unwrap_or_else(|| "https://github.com".into()),
            Some("GitHub"),
            false,
        ),
        Kind::Microsoft => {
            // "common" and "organizations" have no single issuer, so ID tokens could not be
            // checked against one: a tenant id is required.
            let tenant = entry
                .tenant
                .filter(|tenant| {
                    !["common", "organizations", "consumers"].contains(&tenant.as_str())
                })
                .ok_or_else(|| anyhow::anyhow!("tenant is required: the directory (tenant) id"))?;
            (
                format!("https://login.microsoftonline.com/{tenant}/v2.0"),
                Some("Microsoft"),
                true,
            )
        }
    };
    // Plain http only on this machine (a provider beside it, or the tests' one).
    if !(url.starts_with("https://") || url.starts_with("http://127.0.0.1")) {
        anyhow::bail!("the provider's URL must be an https:// URL");
    }
    let url = url.trim_end_matches('/').to_owned();
    let protocol = match entry.kind {
        Kind::GitHub => Protocol::GitHub(Endpoints::at(entry.github_url.as_deref())),
        _ => Protocol::Oidc { issuer: url },
    };
    let client_secret = match (entry.client_secret, entry.client_secret_env) {
        (Some(_), Some(_)) => anyhow::bail!("give client_secret or client_secret_env, not both"),
        (Some(secret), None) => Some(secret),
        (None, Some(name)) => Some(
            env(&name).ok_or_else(|| anyhow::anyhow!("environment variable {name} is not set"))?,
        ),
        (None, None) => None,
    };
    let name = entry
        .name
        .or(default_name.map(str::to_owned))
        .ok_or_else(|| anyhow::anyhow!("name is required (it is shown on the button)"))?;
    Ok(Provider {
        id: entry.id,
        name,
        protocol,
        client_id: entry.client_id,
        client_secret,
        allowed_domains: entry.allowed_domains,
        trust_mfa: entry.trust_mfa,
        trust_email: entry.trust_email.unwrap_or(trust_email),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn presets_fill_in_issuer_and_name() {
        let providers = parse(
            r#"
            [[provider]]
            id = "google"
            kind = "google"
            client_id = "g"
            client_secret_env = "G_SECRET"
            allowed_domains = ["school.example"]

            [[provider]]
            id = "staff"
            kind = "microsoft"
            tenant = "0b1c"
            client_id = "m"

            [[provider]]
            id = "github"
            kind = "github"
            client_id = "gh"

            [[provider]]
            id = "ghes"
            kind = "github"
            name = "Company GitHub"
            github_url = "https://git.corp.example/"
            client_id = "ghes"
            "#,
            |name| (name == "G_SECRET").then(|| "s3".to_owned()),
        )
        .unwrap();
        assert!(
            matches!(&providers[0].protocol, Protocol::Oidc { issuer } if issuer == "https://accounts.google.com")
        );
        assert_eq!(providers[0].name, "Google");
        assert_eq!(providers[0].client_secret.as_deref(), Some("s3"));
        assert!(providers[0].allows("ana@School.example"));
        assert!(!providers[0].allows("ana@elsewhere.example"));
        assert!(!providers[0].trust_email);
        assert!(matches!(
            &providers[1].protocol,
            Protocol::Oidc { issuer } if issuer == "https://login.microsoftonline.com/0b1c/v2.0"
        ));
        assert!(providers[1].trust_email);
        assert!(providers[1].allows("anyone@anywhere.example"));
        let Protocol::GitHub(github) = &providers[2].protocol else {
            panic!("GitHub")
        };
        assert_eq!(
            (github.web.as_str(), github.api.as_str()),
            ("https://github.com", "https://api.github.com")
        );
        assert_eq!(providers[2].name, "GitHub");
        let Protocol::GitHub(ghes) = &providers[3].protocol else {
            panic!("GitHub Enterprise")
        };
        assert_eq!(ghes.api, "https://git.corp.example/api/v3");
    }

    #[test]
    fn mistakes_are_named() {
        for (text, expected) in [
            (
                "[[provider]]\nid = \"x\"\nclient_id = \"c\"\nname = \"X\"",
                "issuer is required",
            ),
            (
                "[[provider]]\nid = \"Bad Id\"\nkind = \"google\"\nclient_id = \"c\"",
                "lowercase",
            ),
            (
                "[[provider]]\nid = \"link\"\nkind = \"google\"\nclient_id = \"c\"",
                "taken",
            ),
            (
                "[[provider]]\nid = \"m\"\nkind = \"microsoft\"\ntenant = \"common\"\nclient_id = \"c\"",
                "tenant",
            ),
            (
                "[[provider]]\nid = \"k\"\nissuer = \"http://idp.example\"\nname = \"K\"\nclient_id = \"c\"",
                "https",
            ),
            (
                "[[provider]]\nid = \"h\"\nkind = \"github\"\ngithub_url = \"http://git.example\"\nclient_id = \"c\"",
                "https",
            ),
            (
                "[[provider]]\nid = \"g\"\nkind = \"google\"\nclient_id = \"c\"\nclient_secret_env = \"NOPE\"",
                "NOPE is not set",
            ),
            (
                "[[provider]]\nid = \"g\"\nkind = \"google\"\nclient_id = \"c\"\n[[provider]]\nid = \"g\"\nkind = \"google\"\nclient_id = \"d\"",
                "two providers",
            ),
            (
                "[[provider]]\nid = \"g\"\nkind = \"gogle\"\nclient_id = \"c\"",
                "unknown variant",
            ),
        ] {
            let error = parse(text, no_env).unwrap_err().to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
