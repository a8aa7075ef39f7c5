//! Which `WOOCOMMERCE_URL` Merx will send its keys to (spec §17): `https://`, or plain
//! `http://` only on this machine (a loopback host: 127.0.0.0/8, `::1`, `localhost`), since
//! the keys travel in every request (in the query string when the server strips the
//! `Authorization` header).

use std::net::IpAddr;

use reqwest::Url;

/// Checks the site URL.
///
/// # Errors
/// Why the URL is refused (for a configuration error naming `WOOCOMMERCE_URL`).
pub fn check_site_url(url: &str) -> Result<(), String> {
    let parsed = Url::parse(url).map_err(|e| format!("is not a URL ({e})"))?;
    let host = parsed.host_str().ok_or("has no host")?;
    // An IPv6 host is written in brackets; the URL parser has already lower-cased names.
    let loopback = match host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host == "localhost",
    };
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(
            "must be https:// (plain http:// only for a loopback host: 127.0.0.0/8, ::1, localhost)"
                .into(),
        ),
        other => Err(format!("must be an https:// URL, not {other}://")),
    }
}

#[cfg(test)]
mod tests {
    use super::check_site_url;

    #[test]
    fn https_is_required_unless_the_host_is_loopback() {
        for ok in [
            "https://shop.example",
            "https://shop.example:8443/store/",
            "http://127.0.0.1:8080",
            "http://127.10.0.3",
            "http://[::1]:9000",
            "http://localhost:8080",
            "http://LOCALHOST",
        ] {
            assert_eq!(check_site_url(ok), Ok(()), "{ok}");
        }
        for refused in [
            "http://shop.example",
            "http://10.0.0.5:8080",
            "http://128.0.0.1",
            "http://[::2]",
            "http://localhost.shop.example",
            "http://127.0.0.1.nip.io",
            "ftp://127.0.0.1",
            "shop.example",
            "",
        ] {
            assert!(check_site_url(refused).is_err(), "{refused}");
        }
    }
}
