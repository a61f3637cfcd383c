//! Owns finding the client's IP address. The socket peer is the client unless it is one of
//! the configured trusted proxies; then the forwarding chain of the one header the proxies are
//! configured to write (`X-Forwarded-For` or `Forwarded: for=`; the other is ignored, since a
//! client could send it through a proxy that does not overwrite it) is read from the right,
//! skipping trusted proxies, and the first address that is not one is the client. Anything
//! left of it was written by the client and may be spoofed, so it is never used.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// Which header the trusted proxies write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForwardHeader {
    #[default]
    XForwardedFor,
    Forwarded,
}

#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    nets: Vec<IpNet>,
    header: ForwardHeader,
}

/// One hop of a forwarding header: an address with an optional port, IPv6 maybe bracketed,
/// maybe quoted (`Forwarded`).
fn parse_hop(raw: &str) -> Option<IpAddr> {
    let s = raw.trim().trim_matches('"');
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    // IPv4 with a port.
    let (host, _port) = s.rsplit_once(':')?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

/// The hops, left (client side) to right (nearest proxy).
fn forwarded_chain(headers: &HeaderMap, header: ForwardHeader) -> Vec<Option<IpAddr>> {
    if header == ForwardHeader::XForwardedFor {
        return headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(parse_hop)
            .collect();
    }
    headers
        .get_all("forwarded")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (k, v) = pair.split_once('=')?;
                k.trim().eq_ignore_ascii_case("for").then(|| parse_hop(v))
            })
        })
        .collect()
}

impl TrustedProxies {
    /// Parses addresses and CIDR ranges; the error is the first entry that is neither.
    pub fn parse(entries: &[String], header: ForwardHeader) -> Result<Self, String> {
        entries
            .iter()
            .map(|e| {
                let e = e.trim();
                e.parse::<IpNet>()
                    .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| e.to_owned())
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|nets| Self { nets, header })
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.nets.iter().any(|net| net.contains(&ip))
    }

    /// The client address of a request that arrived from `peer`.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        for hop in forwarded_chain(headers, self.header).into_iter().rev() {
            // A hop we cannot read was written by someone we do not trust: stop at the last
            // trusted one rather than guess.
            let Some(ip) = hop else { return client };
            client = ip.to_canonical();
            if !self.trusts(client) {
                return client;
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarding_headers_are_believed_only_from_trusted_proxies() {
        let nets = ["10.0.0.0/8".to_owned(), "192.168.1.5".to_owned()];
        let x = ForwardHeader::XForwardedFor;
        let proxies = TrustedProxies::parse(&nets, x).unwrap();
        let rfc7239 = TrustedProxies::parse(&nets, ForwardHeader::Forwarded).unwrap();
        let spoof = headers(&[("x-forwarded-for", "6.6.6.6")]);
        // An untrusted peer cannot choose its address.
        assert_eq!(
            proxies.client_ip(ip("203.0.113.9"), &spoof),
            ip("203.0.113.9")
        );
        let cases: &[(&[(&'static str, &'static str)], &str)] = &[
            (&[("x-forwarded-for", "198.51.100.7")], "198.51.100.7"),
            // The client prepended a fake hop: the right-most untrusted address wins.
            (
                &[("x-forwarded-for", "6.6.6.6, 198.51.100.7")],
                "198.51.100.7",
            ),
            (
                &[("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.1.2.3")],
                "198.51.100.7",
            ),
            (
                &[
                    ("x-forwarded-for", "6.6.6.6"),
                    ("x-forwarded-for", "198.51.100.7, 192.168.1.5"),
                ],
                "198.51.100.7",
            ),
            (&[("x-forwarded-for", "198.51.100.7:4711")], "198.51.100.7"),
            (&[("x-forwarded-for", "[2001:db8::7]:4711")], "2001:db8::7"),
            (
                &[("x-forwarded-for", "::ffff:198.51.100.7")],
                "198.51.100.7",
            ),
            (
                &[("x-forwarded-for", "garbage, 198.51.100.7")],
                "198.51.100.7",
            ),
            (&[("x-forwarded-for", "198.51.100.7, garbage")], "10.0.0.2"),
            // The header the proxies do not write is ignored.
            (&[("forwarded", "for=198.51.100.7")], "10.0.0.2"),
            (&[("x-forwarded-for", "10.0.0.9, 10.0.0.8")], "10.0.0.9"),
            (&[], "10.0.0.2"),
        ];
        for (pairs, want) in cases {
            assert_eq!(
                proxies.client_ip(ip("10.0.0.2"), &headers(pairs)),
                ip(want),
                "{pairs:?}"
            );
        }
        let forwarded: &[(&[(&'static str, &'static str)], &str)] = &[
            (
                &[("forwarded", "for=198.51.100.7;proto=https")],
                "198.51.100.7",
            ),
            (
                &[(
                    "forwarded",
                    "for=6.6.6.6, for=\"[2001:db8::9]:80\";by=10.0.0.1",
                )],
                "2001:db8::9",
            ),
            (&[("x-forwarded-for", "6.6.6.6")], "10.0.0.2"),
        ];
        for (pairs, want) in forwarded {
            assert_eq!(
                rfc7239.client_ip(ip("10.0.0.2"), &headers(pairs)),
                ip(want),
                "{pairs:?}"
            );
        }
        assert_eq!(
            TrustedProxies::parse(&["nonsense".into()], x).unwrap_err(),
            "nonsense"
        );
        assert!(TrustedProxies::parse(&["::1".into(), "fd00::/8".into()], x).is_ok());
    }
}
