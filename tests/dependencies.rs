//! Why gray_matter is not used on the write path (README, "Dependencies"): it
//! trims the frontmatter and loses CRLF, so its view of a file does not agree
//! with the byte offsets our edits need.

use gray_matter::Matter;
use gray_matter::engine::YAML;

#[test]
fn gray_matter_loses_the_bytes_tix_must_keep() {
    let text = "---\r\nid: TIX-0001   \r\n# comment\r\n---\r\n\r\nbody\r\n";
    let parsed = Matter::<YAML>::new().parse(text);
    // Our split: the frontmatter is exactly the bytes between the delimiter lines.
    let split = tix::ticket::split(text).unwrap();
    assert_eq!(&text[split.fm.clone()], "id: TIX-0001   \r\n# comment\r\n");
    assert_eq!(&text[split.body..], "\r\nbody\r\n");
    // gray_matter's matter and content are trimmed: they cannot be spliced back.
    assert_ne!(parsed.matter, &text[split.fm.clone()]);
    assert_ne!(parsed.content, &text[split.body..]);
}
