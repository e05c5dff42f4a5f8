//! `demo --pictures DIR`: saves what the demo's people and admins would
//! have seen as pictures — the last digest's team map, as the fake Slack
//! received it, and the insights page, fetched from the bot's real route.
//! It reads the demo's world and changes nothing in it.

use super::Demo;
use anyhow::Context as _;
use secrecy::SecretString;
use std::io::Write;
use std::path::Path;

impl Demo {
    /// Saves in `folder` what the demo's people and admins would see:
    /// `team-map.png`, the picture the last digest carried (the bytes the
    /// fake Slack received), and `insights.html`, the insights page as the
    /// bot serves it (fetched over HTTP from its real route).
    pub async fn save_pictures(&self, folder: &Path, out: &mut dyn Write) -> anyhow::Result<()> {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("creating {}", folder.display()))?;
        let messages = self.fake.messages();
        let map = messages
            .iter()
            .rev()
            .flat_map(|m| m.files.iter())
            .next()
            .context("no digest carried a team map: simulate more weeks")?;
        let map_path = folder.join("team-map.png");
        std::fs::write(&map_path, &map.bytes)
            .with_context(|| format!("writing {}", map_path.display()))?;

        // The page is served on 127.0.0.1 for this one request, behind a
        // token made up for it.
        let token = format!("demo-{}", self.options.seed);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let router = self
            .app
            .insights_router(Some(SecretString::from(token.clone())));
        let server = tokio::spawn(axum::serve(listener, router).into_future());
        let response = fake_slack::http_client()
            .build()
            .context("an HTTP client")?
            .get(format!("http://{address}/insights"))
            .bearer_auth(&token)
            .send()
            .await
            .context("fetching the insights page")?;
        let status = response.status();
        let page = response.text().await?;
        server.abort();
        anyhow::ensure!(status.is_success(), "the insights page answered {status}");
        let page_path = folder.join("insights.html");
        std::fs::write(&page_path, page)
            .with_context(|| format!("writing {}", page_path.display()))?;
        writeln!(
            out,
            "\nPictures saved: {} ({}), {}",
            map_path.display(),
            describe_png(&map.bytes),
            page_path.display()
        )?;
        Ok(())
    }
}

/// "1138×1370 PNG, 92 KB" for a PNG's bytes.
pub(super) fn describe_png(png: &[u8]) -> String {
    match crate::charts::png_size(png) {
        Some((width, height)) => format!("{width}×{height} PNG, {} KB", png.len().div_ceil(1024)),
        None => format!("{} bytes, not a PNG", png.len()),
    }
}
