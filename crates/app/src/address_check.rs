//! Owns the question "may the server connect to this address on a user's behalf?" for URL
//! uploads: only globally routable unicast addresses. Everything that reaches the machine
//! itself, the local network, a cloud metadata service or a translation mechanism that could
//! smuggle one of those in is refused: an IPv6 form that translates to an IPv4 host is judged
//! by the IPv4 address it carries, and tunnels (6to4, Teredo) are refused outright.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn v4_forbidden(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    a == 0                                    // "this network", unspecified
        || a == 10                            // private
        || a == 127                           // loopback
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT (also Alibaba metadata)
        || (a == 169 && b == 254)             // link-local, cloud metadata 169.254.169.254
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0)     // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)     // documentation
        || (a == 192 && b == 88 && c == 99)   // 6to4 relay anycast
        || (a == 192 && b == 168)             // private
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || (a == 198 && b == 51 && c == 100)  // documentation
        || (a == 203 && b == 0 && c == 113)   // documentation
        || a >= 224 // multicast, reserved, broadcast
}

/// The IPv4 address an IPv6 address carries to an IPv4 host, for the forms that translate to
/// one: IPv4-mapped `::ffff:a.b.c.d`, IPv4-translated (SIIT) `::ffff:0:a.b.c.d` and the
/// well-known NAT64 prefix `64:ff9b::/96`. Such an address is as allowed as what it embeds.
fn translated_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let embedded = || Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s[..6] {
        [0, 0, 0, 0, 0, 0xffff] | [0, 0, 0, 0, 0xffff, 0] | [0x64, 0xff9b, 0, 0, 0, 0] => {
            Some(embedded())
        }
        _ => None,
    }
}

/// Native IPv6 is allowed only in global unicast (`2000::/3`), less the blocks of it that IANA
/// lists as special-purpose and not globally reachable. Everything outside `2000::/3` is
/// refused: `::/128`, `::1`, IPv4-compatible `::a.b.c.d`, discard-only `100::/64` and the
/// dummy prefix `100:0:0:1::/64`, local-use NAT64 `64:ff9b:1::/48` (its IPv4 side is a local
/// network), unique local `fc00::/7` (AWS metadata `fd00:ec2::254`), link-local `fe80::/10`,
/// site-local `fec0::/10`, multicast `ff00::/8`, SRv6 SIDs `5f00::/16` and all that is
/// unassigned.
fn v6_forbidden(ip: Ipv6Addr) -> bool {
    if let Some(v4) = translated_v4(ip) {
        return v4_forbidden(v4);
    }
    let s = ip.segments();
    (s[0] & 0xe000) != 0x2000                 // outside global unicast 2000::/3
        || (s[0] == 0x2001 && s[1] < 0x0200)  // IETF protocol assignments 2001::/23: Teredo
                                              // 2001::/32 (a relay into a NATed host),
                                              // benchmarking, ORCHID, AMT, AS112
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || s[0] == 0x2002                     // 6to4 (tunnels to any IPv4 address)
        || (s[0] & 0xfff0) == 0x3ff0 // documentation 3fff::/20
}

/// Whether connecting to `ip` must be refused.
pub(crate) fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_forbidden(v4),
        IpAddr::V6(v6) => v6_forbidden(v6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each form an address can take, with whether the server may connect to it.
    const CASES: &[(&str, bool)] = &[
        // IPv4
        ("127.0.0.1", false),
        ("127.255.0.9", false),
        ("0.0.0.0", false),
        ("10.0.0.1", false),
        ("172.16.0.1", false),
        ("172.31.255.255", false),
        ("192.168.1.1", false),
        ("169.254.169.254", false),
        ("100.64.0.1", false),
        ("100.100.100.200", false),
        ("224.0.0.1", false),
        ("239.255.255.250", false),
        ("255.255.255.255", false),
        ("240.0.0.1", false),
        ("192.0.2.1", false),
        ("198.18.0.1", false),
        ("93.184.215.14", true),
        ("8.8.8.8", true),
        ("1.1.1.1", true),
        ("172.32.0.1", true),
        ("100.128.0.1", true),
        ("192.169.0.1", true),
        // IPv6 special-purpose blocks
        ("::", false),
        ("::1", false),
        ("100::1", false),
        ("100:0:0:1::1", false),
        ("fe80::1", false),
        ("fc00::1", false),
        ("fd00:ec2::254", false),
        ("ff02::1", false),
        ("fec0::1", false),
        ("2001:db8::1", false),
        ("3fff::1", false),
        ("3fff:fff:ffff::1", false),
        ("5f00::1", false),
        ("2001:2::1", false),
        ("2001:20::1", false),
        ("4000::1", false),
        // IPv4-mapped ::ffff:a.b.c.d
        ("::ffff:127.0.0.1", false),
        ("::ffff:10.1.2.3", false),
        ("::ffff:169.254.169.254", false),
        ("::ffff:8.8.8.8", true),
        // IPv4-translated (SIIT) ::ffff:0:a.b.c.d
        ("::ffff:0:127.0.0.1", false),
        ("::ffff:0:10.0.0.1", false),
        ("::ffff:0:169.254.169.254", false),
        ("::ffff:0:8.8.8.8", true),
        // IPv4-compatible ::a.b.c.d (deprecated; never a way out)
        ("::127.0.0.1", false),
        ("::10.0.0.1", false),
        ("::8.8.8.8", false),
        // NAT64, well-known prefix 64:ff9b::/96: as its IPv4 address
        ("64:ff9b::7f00:1", false),
        ("64:ff9b::a9fe:a9fe", false),
        ("64:ff9b::a00:1", false),
        ("64:ff9b::808:808", true),
        // NAT64, local-use prefix 64:ff9b:1::/48 (RFC 8215): a local network's IPv4 side
        ("64:ff9b:1::7f00:1", false),
        ("64:ff9b:1::808:808", false),
        ("64:ff9b:1:ffff::1", false),
        // 6to4 2002::/16, Teredo 2001::/32: tunnels, whatever they carry
        ("2002:7f00:1::1", false),
        ("2002:a00:1::1", false),
        ("2002:808:808::1", false),
        ("2001::1", false),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", false),
        // Global unicast
        ("2606:4700:4700::1111", true),
        ("2a00:1450:4001::200e", true),
        ("2001:4860:4860::8888", true),
        ("2620:4f:8000::1", true),
    ];

    #[test]
    fn every_form_of_address() {
        for (text, allowed) in CASES {
            let Ok(addr) = text.parse::<IpAddr>() else {
                panic!("{text} does not parse");
            };
            assert_eq!(
                !is_forbidden(addr),
                *allowed,
                "{text} must be {}",
                if *allowed { "allowed" } else { "refused" }
            );
        }
    }
}
