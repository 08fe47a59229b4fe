//! Which redirects the client follows: only those that stay on the server it was given.
//!
//! On a `307` or `308` an HTTP client sends the request again, body included, to wherever
//! `Location` points; reqwest drops `Authorization` when the host changes but not the body. The
//! body of a sign-in holds the password or the refresh token, and an install holds the license
//! file, so a redirect to another host would hand them over. The client therefore follows a
//! redirect only to the same origin (scheme, host and port) and at most [`MAX_REDIRECTS`] in a
//! row; any other redirect ends the call with [`Error::Redirected`](crate::Error::Redirected),
//! which names the `Location`, and nothing is sent there. The legacy v2 client follows the same
//! rule.

use reqwest::header::{HeaderMap, LOCATION};
use reqwest::StatusCode;

/// The most redirects within one server the client follows for one request.
pub(crate) const MAX_REDIRECTS: usize = 5;

/// The longest `Location` an error repeats; a longer one is cut.
const MAX_LOCATION_CHARS: usize = 300;

/// The redirect policy of every HTTP client the crate builds.
pub(crate) fn same_origin_only() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let stays = attempt
            .previous()
            .last()
            .is_some_and(|from| from.origin() == attempt.url().origin());
        if stays && attempt.previous().len() <= MAX_REDIRECTS {
            attempt.follow()
        } else {
            // The redirect answer itself goes back to the caller, which reports it.
            attempt.stop()
        }
    })
}

/// The `Location` of a redirect the client did not follow (a `3xx` that asks to go elsewhere),
/// as printable text of bounded length; `None` for any other answer.
pub(crate) fn unfollowed_location(status: StatusCode, headers: &HeaderMap) -> Option<String> {
    if !matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let location = headers.get(LOCATION)?;
    // `to_str` accepts visible ASCII only: no control characters reach a message.
    let text = location
        .to_str()
        .unwrap_or("(a Location that is not ASCII text)");
    Some(match text.char_indices().nth(MAX_LOCATION_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn only_redirect_statuses_with_a_location_count() {
        let mut headers = HeaderMap::new();
        headers.insert(LOCATION, HeaderValue::from_static("https://other.example/"));
        for status in [301, 302, 303, 307, 308] {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(
                unfollowed_location(status, &headers).as_deref(),
                Some("https://other.example/")
            );
        }
        for status in [200, 300, 304, 400] {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(unfollowed_location(status, &headers), None, "{status}");
        }
        assert_eq!(
            unfollowed_location(StatusCode::TEMPORARY_REDIRECT, &HeaderMap::new()),
            None
        );
        headers.insert(
            LOCATION,
            HeaderValue::from_str(&format!("https://x/{}", "a".repeat(400))).unwrap(),
        );
        let cut = unfollowed_location(StatusCode::FOUND, &headers).unwrap();
        assert_eq!(cut.chars().count(), MAX_LOCATION_CHARS + 1, "{cut}");
    }
}
