use super::Ctx;
use crate::cli::NewArgs;
use crate::error::TixError;
use crate::exit::Exit;
use crate::ticket::{self, NewValue};
use crate::tree::{self, Action, Change, Event, State, TEMPLATES, Tree};
use anyhow::{Context, Result, bail};
use std::fs;

pub fn run(ctx: &Ctx, args: &NewArgs) -> Result<Exit> {
    let title = checked_title(&args.title)?;
    let tree = ctx.tree()?;
    let (template_rel, template) = load_template(&tree, args.template.as_deref())?;
    let lock = ctx.lock_exclusive(&tree)?;
    let mut state = State::open(&tree, &lock)?;
    let mut depends_on = Vec::new();
    for dep in &args.depends_on {
        let e = state
            .find(dep)
            .with_context(|| format!("--depends-on {dep}"))?;
        match &e.parsed {
            Ok(m) => depends_on.push(m.id.to_string()),
            Err(m) => {
                return Err(tree::malformed_error(&tree, &e.rel, m))
                    .with_context(|| format!("--depends-on {dep}"));
            }
        }
    }
    let status = tree.config.new_status();
    let prefix = tree.config.id_prefix.clone();
    let num = state.next_number(&prefix)?;
    let id = tree.config.new_id(&prefix, num);

    // Placeholders in the body; the frontmatter is set key by key.
    let split =
        ticket::split(&template).map_err(|m| tree::malformed_error(&tree, &template_rel, &m))?;
    let body = template[split.body..]
        .replace("{{id}}", &id)
        .replace("{{title}}", title);
    let text = format!("{}{body}", &template[..split.body]);
    // The template's own priority, labels and dependencies stay unless given.
    let mut changes = vec![
        ("id", NewValue::Str(id.clone())),
        ("title", NewValue::Str(title.to_string())),
        ("status", NewValue::Str(status.name.clone())),
    ];
    if let Some(p) = &args.priority {
        changes.push(("priority", NewValue::Str(p.clone())));
    }
    changes.push(("created", NewValue::Str(crate::text::timestamp(&ctx.now))));
    if !args.labels.is_empty() {
        changes.push(("labels", NewValue::List(args.labels.clone())));
    }
    if !depends_on.is_empty() {
        changes.push(("depends_on", NewValue::List(depends_on)));
    }
    let content = tree::edit_ticket(&tree, &template_rel, &text, &changes)?;
    // A status without a folder: the flat tree's first folder.
    let dir = status
        .dir
        .as_deref()
        .or(tree.config.ticket_dirs.first().map(String::as_str))
        .context("tix.yaml gives new tickets no folder: give the first pending status a dir, or list ticket_dirs")?;
    let s = slug(title);
    let name = if s.is_empty() {
        format!("{id}.md")
    } else {
        format!("{id}-{s}.md")
    };
    let rel = crate::tree::join_rel(dir, &name);
    // Written whole or not at all (a temp file renamed into place).
    let counter = tree
        .remember_id(&prefix, num)
        .map_err(|e| anyhow::anyhow!("{e:#}; nothing was changed"))?;
    let event = Event::new(Action::Create, &id, ctx.now, ctx.actor().actor)
        .moving(None, Some(&status.name))
        .of_change();
    let change = Change {
        src: None,
        dst: rel.clone(),
        content,
        event,
        base: None,
        replaces: None,
    };
    // The counter is synced beside the change's own syncs, before the file
    // lands.
    if let Err(e) = state.commit_counted(change, Some(&counter)) {
        // Taken back: so is the id (best effort: a ticket that lands later
        // through recovery is in the tree, which counts too).
        let _ = tree.forget_id(counter.before.as_deref());
        return Err(e);
    }
    ctx.note(&format!("created {}", tree.show(&rel)));
    ctx.out(&format!("{id}\n"))?;
    Ok(Exit::Ok)
}

/// A title as `new` and `set` take it: trimmed, one line, not empty.
///
/// # Errors
///
/// A usage error (exit 2) saying what is wrong.
pub fn checked_title(title: &str) -> Result<&str> {
    let title = title.trim();
    if title.is_empty() {
        return Err(TixError::Usage(
            "the title is empty: say what the ticket is about (tix new \"Fix the login loop\")"
                .into(),
        )
        .into());
    }
    if let Some(c) = title
        .chars()
        .find(|&c| crate::text::needs_escape(c) || c == '\t')
    {
        return Err(TixError::Usage(format!(
            "the title must be one line of text without control characters (it has {})",
            c.escape_unicode()
        ))
        .into());
    }
    Ok(title)
}

/// `templates/NAME.md` (NAME defaults to `default`, which falls back to the built-in one).
fn load_template(tree: &Tree, name: Option<&str>) -> Result<(String, String)> {
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    let given = name.unwrap_or("default");
    let given = given.strip_suffix(".md").unwrap_or(given);
    if !name_ok(given) {
        bail!("template name {given:?} must be letters, digits, - and _ (a file in {TEMPLATES}/)");
    }
    let rel = format!("{TEMPLATES}/{given}.md");
    match fs::read_to_string(tree.path(&rel)) {
        Ok(text) => Ok((rel, text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && name.is_none() => Ok((
            "(built-in template)".into(),
            crate::ticket::DEFAULT_TEMPLATE.into(),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("{}: no such template", tree.show(&rel))
        }
        Err(e) => Err(e).with_context(|| format!("failed to read {}", tree.show(&rel))),
    }
}

/// The most characters a slug has.
const SLUG_CHARS: usize = 48;

/// `Fix login redirect loop!` → `fix-login-redirect-loop`: the title's words
/// in lower case, joined by `-`, at most 48 characters, cut between words. A
/// word is letters and digits of any script (`día`, `日本語`) with their
/// combining marks; everything else (punctuation, emoji, `/`) separates words.
pub fn slug(title: &str) -> String {
    let in_word = |c: char| c.is_alphanumeric() || matches!(c, '\u{300}'..='\u{36f}');
    let mut out = String::new();
    let mut len = 0;
    for word in title.split(|c: char| !in_word(c)).filter(|w| !w.is_empty()) {
        let word: String = word.chars().flat_map(char::to_lowercase).collect();
        let n = word.chars().count();
        let sep = usize::from(len > 0);
        if len + sep + n > SLUG_CHARS {
            if len == 0 {
                // One long word: its first characters.
                out = word.chars().take(SLUG_CHARS).collect();
            }
            break;
        }
        if sep == 1 {
            out.push('-');
        }
        out.push_str(&word);
        len += sep + n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("Fix login redirect loop!"), "fix-login-redirect-loop");
        assert_eq!(slug("../../etc/passwd"), "etc-passwd");
        assert_eq!(slug("日本語"), "日本語");
        assert_eq!(
            slug("🚀 Launch 🎉 día café 日本語"),
            "launch-día-café-日本語"
        );
        // Decomposed accents stay with their letter.
        assert_eq!(slug("Cafe\u{301} ÉTÉ"), "cafe\u{301}-été");
        assert_eq!(slug(&"word ".repeat(40)), "word-".repeat(8) + "word");
        assert_eq!(slug(&"x".repeat(100)), "x".repeat(48));
        assert_eq!(slug("🎉 ✅"), "");
    }
}
