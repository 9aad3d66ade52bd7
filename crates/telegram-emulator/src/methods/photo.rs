//! sendPhoto: a multipart upload (also via `attach://name`) or a file_id returned earlier.

use std::sync::Arc;

use super::Reply;
use super::send::{MAX_CAPTION_LEN, Outgoing, PhotoSource, deliver, formatted};
use crate::core::Core;
use crate::error::ApiError;
use crate::html::utf16_len;
use crate::params::Params;
use crate::state::{PhotoFile, State};
use crate::types::TgPhotoSize;

/// "The photo must be at most 10 MB in size" (sendPhoto docs, T14).
pub(crate) const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;
/// "The photo's width and height must not exceed 10000 in total" (T14).
pub(crate) const MAX_PHOTO_WIDTH_PLUS_HEIGHT: u32 = 10_000;
/// "Width and height ratio must be at most 20" (T14).
pub(crate) const MAX_PHOTO_RATIO: u32 = 20;
/// Telegram stores a photo in several sizes; these are the usual thumbnail bounds, and the
/// largest stored size is capped at 2560 px.
const THUMBNAIL_BOUNDS: [u32; 4] = [90, 320, 800, 1280];
const LARGEST_BOUND: u32 = 2560;

pub(crate) fn send_photo(core: &Arc<Core>, params: &Params) -> Result<Reply, ApiError> {
    let mut out = Outgoing::from_params(core, params)?;
    let no_photo = || ApiError::bad_request("Bad Request: there is no photo in the request");
    let source = match params.file("photo") {
        Some(upload) => uploaded(&upload.bytes)?,
        None => {
            let value = params.non_empty("photo").ok_or_else(no_photo)?;
            if let Some(name) = value.strip_prefix("attach://") {
                uploaded(&params.file(name).ok_or_else(no_photo)?.bytes)?
            } else if value.starts_with("http://") || value.starts_with("https://") {
                // The emulator has no network to fetch from.
                return Err(ApiError::bad_request(
                    "Bad Request: failed to get HTTP URL content",
                ));
            } else {
                PhotoSource::FileId(value.into_owned())
            }
        }
    };
    if let Some(caption) = formatted(params, "caption", "caption_entities")? {
        if utf16_len(&caption.plain) > MAX_CAPTION_LEN {
            return Err(ApiError::bad_request(
                "Bad Request: message caption is too long",
            ));
        }
        // An empty caption is no caption.
        out.caption = Some(caption).filter(|c| !c.raw.is_empty());
    }
    out.photo = Some(source);
    deliver(core, out)
}

pub(super) fn uploaded(bytes: &[u8]) -> Result<PhotoSource, ApiError> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(ApiError::bad_request("Bad Request: file is too big"));
    }
    let (width, height) = image_size(bytes)
        .ok_or_else(|| ApiError::bad_request("Bad Request: IMAGE_PROCESS_FAILED"))?;
    let (long, short) = (width.max(height), width.min(height).max(1));
    if width == 0
        || height == 0
        || width + height > MAX_PHOTO_WIDTH_PLUS_HEIGHT
        || long / short > MAX_PHOTO_RATIO
    {
        return Err(ApiError::bad_request(
            "Bad Request: PHOTO_INVALID_DIMENSIONS",
        ));
    }
    Ok(PhotoSource::Upload {
        width,
        height,
        bytes: bytes.len(),
    })
}

/// Width and height of a PNG (IHDR), JPEG (first SOF marker) or GIF (logical screen).
pub(crate) fn image_size(b: &[u8]) -> Option<(u32, u32)> {
    let be32 = |at: usize| Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?));
    let be16 = |at: usize| {
        Some(u32::from(u16::from_be_bytes(
            b.get(at..at + 2)?.try_into().ok()?,
        )))
    };
    let le16 = |at: usize| {
        Some(u32::from(u16::from_le_bytes(
            b.get(at..at + 2)?.try_into().ok()?,
        )))
    };
    if b.starts_with(b"\x89PNG\r\n\x1a\n") && b.get(12..16) == Some(b"IHDR") {
        return Some((be32(16)?, be32(20)?));
    }
    if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        return Some((le16(6)?, le16(8)?));
    }
    if b.starts_with(&[0xFF, 0xD8]) {
        let mut i = 2;
        while i + 4 <= b.len() {
            if b[i] != 0xFF {
                return None;
            }
            let marker = b[i + 1];
            let len = be16(i + 2)? as usize;
            let is_sof = (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
            if is_sof {
                return Some((be16(i + 7)?, be16(i + 5)?));
            }
            i += 2 + len;
        }
    }
    None
}

/// Stores a newly uploaded photo under fresh file ids, one per size, and returns it.
pub(crate) fn register(state: &mut State, width: u32, height: u32, bytes: usize) -> Arc<PhotoFile> {
    let long = width.max(height);
    let mut dims: Vec<(u32, u32)> = THUMBNAIL_BOUNDS
        .iter()
        .filter(|&&bound| long > bound)
        .map(|&bound| scale(width, height, bound))
        .collect();
    dims.push(if long > LARGEST_BOUND {
        scale(width, height, LARGEST_BOUND)
    } else {
        (width, height)
    });
    let area = f64::from(width) * f64::from(height);
    let sizes: Vec<TgPhotoSize> = dims
        .into_iter()
        .map(|(w, h)| {
            let (file_id, file_unique_id) = state.new_file_ids();
            let share = f64::from(w) * f64::from(h) / area;
            TgPhotoSize {
                file_id,
                file_unique_id,
                width: w,
                height: h,
                file_size: Some(((bytes as f64 * share) as u64).max(1)),
            }
        })
        .collect();
    let photo = Arc::new(PhotoFile { sizes, bytes });
    for size in &photo.sizes {
        state.files.insert(size.file_id.clone(), photo.clone());
    }
    photo
}

fn scale(width: u32, height: u32, bound: u32) -> (u32, u32) {
    let long = f64::from(width.max(height));
    let f = f64::from(bound) / long;
    let w = ((f64::from(width) * f).round() as u32).max(1);
    let h = ((f64::from(height) * f).round() as u32).max(1);
    (w, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_png_gif_and_jpeg_sizes() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&640u32.to_be_bytes());
        png.extend_from_slice(&480u32.to_be_bytes());
        assert_eq!(image_size(&png), Some((640, 480)));
        let gif = b"GIF89a\x20\x03\x58\x02";
        assert_eq!(image_size(gif), Some((800, 600)));
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01,
            0x2C, 0x01, 0x90,
        ];
        assert_eq!(image_size(&jpeg), Some((400, 300)));
        assert_eq!(image_size(b"not an image"), None);
    }

    #[test]
    fn sizes_grow_to_the_original() {
        let mut state = State::new(crate::config::Limits::telegram(), 1);
        let p = register(&mut state, 1000, 500, 20_000);
        let dims: Vec<_> = p.sizes.iter().map(|s| (s.width, s.height)).collect();
        assert_eq!(dims, [(90, 45), (320, 160), (800, 400), (1000, 500)]);
        assert!(p.sizes.iter().all(|s| state.files.contains_key(&s.file_id)));
    }
}
