//! Owns the question "may the server connect to this address on a user's behalf?" for URL
//! uploads: only globally routable unicast addresses. Everything that reaches the machine
//! itself, the local network, a cloud metadata service or a translation mechanism that could
//! smuggle one of those in (IPv4-mapped, NAT64, 6to4) is refused.

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

fn v6_forbidden(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_forbidden(v4);
    }
    // NAT64 (64:ff9b::/96) reaches the embedded IPv4 address.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
        return v4_forbidden(v4);
    }
    s[0..6] == [0, 0, 0, 0, 0, 0]             // ::, ::1 and IPv4-compatible addresses
        || s[0] == 0x0100 && s[1..4] == [0, 0, 0] // discard-only
        || s[0] == 0x2001 && s[1] < 0x0200    // Teredo, benchmarking, ORCHID and other IETF
        || s[0] == 0x2001 && s[1] == 0x0db8   // documentation
        || s[0] == 0x2002                     // 6to4 (embeds any IPv4 address)
        || (s[0] & 0xfe00) == 0xfc00          // unique local (also AWS metadata fd00:ec2::254)
        || (s[0] & 0xffc0) == 0xfe80          // link-local
        || (s[0] & 0xffc0) == 0xfec0          // site-local (deprecated)
        || (s[0] & 0xff00) == 0xff00 // multicast
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

    #[test]
    fn private_and_special_addresses_are_refused() {
        let refused = [
            "127.0.0.1",
            "127.255.0.9",
            "0.0.0.0",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.100.100.200",
            "224.0.0.1",
            "239.255.255.250",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.2.1",
            "198.18.0.1",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "fe80::1",
            "fc00::1",
            "fd00:ec2::254",
            "ff02::1",
            "fec0::1",
            "2001:db8::1",
            "2002:7f00:1::1",
            "2001::1",
        ];
        for ip in refused {
            let addr: IpAddr = ip.parse().unwrap();
            assert!(is_forbidden(addr), "{ip} must be refused");
        }
        let allowed = [
            "93.184.215.14",
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "192.169.0.1",
            "2606:4700:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ];
        for ip in allowed {
            let addr: IpAddr = ip.parse().unwrap();
            assert!(!is_forbidden(addr), "{ip} must be allowed");
        }
    }
}
