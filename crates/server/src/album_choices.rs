//! Owns the album picker's options (upload form, media edit form, bulk move): every album of
//! one owner, labelled with its path so nested albums with the same name stay apart.

use std::collections::HashMap;

use serde::Serialize;
use vitrine_app::{Actor, Viewer};

use crate::state::AppState;
use crate::web_error::WebError;

#[derive(Debug, Serialize)]
pub struct AlbumChoice {
    pub id: String,
    /// "Parent / Child".
    pub label: String,
    /// Public ids along its path, itself included (a move picker leaves out an album's own
    /// subtree with it).
    pub path_ids: Vec<String>,
}

/// The albums of `owner_id` that `actor` may fill, sorted by path (at most 500).
pub async fn album_choices(
    state: &AppState,
    actor: &Actor,
    owner_id: i64,
) -> Result<Vec<AlbumChoice>, WebError> {
    let viewer = Viewer::from(actor);
    let (albums, _) = state
        .app
        .list_user_albums(&viewer, owner_id, false, None, 500)
        .await?;
    // Paths from the parent links of the whole list (the listing carries no breadcrumbs).
    let by_id: HashMap<i64, (&str, Option<i64>, String)> = albums
        .iter()
        .map(|a| {
            let r = &a.album;
            (
                r.id,
                (r.title.as_str(), r.parent_id, r.public_id.to_string()),
            )
        })
        .collect();
    let mut out: Vec<AlbumChoice> = albums
        .iter()
        .filter(|a| a.editable)
        .map(|a| {
            let (mut titles, mut ids) = (Vec::new(), Vec::new());
            let mut at = Some(a.album.id);
            // Bounded walk: nesting is at most 32 deep, a broken chain must not loop.
            for _ in 0..64 {
                let Some((title, parent, public)) = at.and_then(|id| by_id.get(&id)) else {
                    break;
                };
                titles.push(*title);
                ids.push(public.clone());
                at = *parent;
            }
            titles.reverse();
            ids.reverse();
            AlbumChoice {
                id: a.album.public_id.to_string(),
                label: titles.join(" / "),
                path_ids: ids,
            }
        })
        .collect();
    out.sort_by_key(|c| c.label.to_lowercase());
    Ok(out)
}
