//! The ALK Update endpoint table, product names and `--resolve` overrides: no network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use vspc_licensing::alk::{
    endpoints_for, AlkProduct, AppliesTo, EndpointPurpose, OverrideTarget, ResolveOverride,
    ResolveOverrides, ALK_ENDPOINTS,
};
use vspc_licensing::Product;

#[test]
fn every_product_but_enterprise_manager_has_its_license_server_on_443() {
    let expected = [
        (AlkProduct::Console, "vac.butler.veeam.com"),
        (AlkProduct::BackupServer, "vbr.butler.veeam.com"),
        (AlkProduct::VOneServer, "one.butler.veeam.com"),
        (AlkProduct::Vb365Server, "vbo.butler.veeam.com"),
        (AlkProduct::RecoveryOrchestrator, "vao.butler.veeam.com"),
        (AlkProduct::BackupForSalesforce, "vbsf.butler.veeam.com"),
    ];
    for (product, host) in expected {
        let endpoint = product
            .license_update_endpoint()
            .unwrap_or_else(|| panic!("{product} has a license server"));
        assert_eq!(
            (endpoint.host, endpoint.port, endpoint.required),
            (host, 443, true)
        );
        assert_eq!(endpoint.purpose, EndpointPurpose::LicenseUpdate);
        assert_eq!(endpoint.firewall_rule, host);
        assert!(product.note().is_none());
    }
    assert!(AlkProduct::EnterpriseManager
        .license_update_endpoint()
        .is_none());
    let note = AlkProduct::EnterpriseManager
        .note()
        .expect("EM explains itself");
    assert!(note.contains("no license update server"), "{note}");
    assert_eq!(
        ALK_ENDPOINTS
            .iter()
            .filter(|e| e.purpose == EndpointPurpose::LicenseUpdate)
            .count(),
        6
    );
}

#[test]
fn revocation_endpoints_are_on_port_80_for_every_product_under_the_vendor_wildcards() {
    let revocation: Vec<_> = ALK_ENDPOINTS
        .iter()
        .filter(|e| e.purpose == EndpointPurpose::CertificateRevocation)
        .map(|e| (e.host, e.port, e.firewall_rule, e.applies_to, e.required))
        .collect();
    let every = AppliesTo::EveryProduct;
    assert_eq!(
        revocation,
        [
            ("o.ss2.us", 80, "*.ss2.us", every, false),
            (
                "ocsp.sca1b.amazontrust.com",
                80,
                "*.amazontrust.com",
                every,
                false
            ),
            (
                "ocsp.rootca1.amazontrust.com",
                80,
                "*.amazontrust.com",
                every,
                false
            ),
            (
                "ocsp.rootg2.amazontrust.com",
                80,
                "*.amazontrust.com",
                every,
                false
            ),
        ]
    );
    for product in AlkProduct::ALL {
        let hosts: Vec<_> = product.endpoints().iter().map(|e| e.host).collect();
        assert!(hosts.contains(&"o.ss2.us"), "{product}: {hosts:?}");
        assert!(hosts.contains(&"ocsp.rootg2.amazontrust.com"));
    }
    // Enterprise Manager needs only the revocation endpoints.
    assert_eq!(AlkProduct::EnterpriseManager.endpoints().len(), 4);
}

#[test]
fn endpoints_for_a_selection_are_unique_and_in_table_order() {
    let hosts = |products: &[AlkProduct]| -> Vec<&str> {
        endpoints_for(products).iter().map(|e| e.host).collect()
    };
    assert_eq!(
        hosts(&[AlkProduct::BackupForSalesforce, AlkProduct::BackupServer]),
        [
            "vbr.butler.veeam.com",
            "vbsf.butler.veeam.com",
            "o.ss2.us",
            "ocsp.sca1b.amazontrust.com",
            "ocsp.rootca1.amazontrust.com",
            "ocsp.rootg2.amazontrust.com",
        ]
    );
    assert_eq!(endpoints_for(&[]).len(), ALK_ENDPOINTS.len());
}

#[test]
fn product_short_names_round_trip_and_parse_loosely() {
    for product in AlkProduct::ALL {
        assert_eq!(product.short_name().parse::<AlkProduct>(), Ok(product));
        assert_eq!(
            product.short_name().to_uppercase().parse::<AlkProduct>(),
            Ok(product)
        );
    }
    let names: Vec<_> = AlkProduct::ALL.iter().map(|p| p.short_name()).collect();
    assert_eq!(names, ["vspc", "vbr", "em", "vone", "vb365", "vro", "vbsf"]);
    assert_eq!(" vbo ".parse(), Ok(AlkProduct::Vb365Server));
    assert_eq!("VAO".parse(), Ok(AlkProduct::RecoveryOrchestrator));
    assert_eq!(
        AlkProduct::BackupServer.to_string(),
        "Veeam Backup & Replication"
    );
}

#[test]
fn an_unknown_product_names_every_valid_one() {
    let error = "vbrr".parse::<AlkProduct>().unwrap_err();
    assert_eq!(error.given, "vbrr");
    let message = error.to_string();
    assert!(message.starts_with("unknown product \"vbrr\""), "{message}");
    for product in AlkProduct::ALL {
        assert!(
            message.contains(&format!(
                "{} ({})",
                product.short_name(),
                product.full_name()
            )),
            "{message}"
        );
    }
    assert!("".parse::<AlkProduct>().is_err());
}

#[test]
fn the_table_serialises_with_short_product_names() {
    let vbr = AlkProduct::BackupServer.license_update_endpoint().unwrap();
    assert_eq!(
        serde_json::to_value(vbr).unwrap(),
        serde_json::json!({
            "applies_to": {"product": "vbr"},
            "host": "vbr.butler.veeam.com",
            "port": 443,
            "purpose": "license_update",
            "firewall_rule": "vbr.butler.veeam.com",
            "required": true
        })
    );
    let ss2 = &ALK_ENDPOINTS[6];
    assert_eq!(
        serde_json::to_value(ss2).unwrap()["applies_to"],
        "every_product"
    );
    assert_eq!(
        vbr.table_row(),
        [
            "Veeam Backup & Replication",
            "vbr.butler.veeam.com",
            "443",
            "license update",
            "vbr.butler.veeam.com",
            "yes"
        ]
    );
    assert_eq!(
        ss2.to_string(),
        "o.ss2.us:80 (certificate revocation for every product, optional)"
    );
}

fn parse(s: &str) -> ResolveOverride {
    s.parse()
        .unwrap_or_else(|e| panic!("{s} should parse: {e}"))
}

#[test]
fn overrides_parse_in_curl_forms() {
    let loopback = OverrideTarget::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let o = parse("vbr.butler.veeam.com:443:127.0.0.1");
    assert_eq!(
        (o.host.as_str(), o.port, &o.target, o.target_port),
        ("vbr.butler.veeam.com", Some(443), &loopback, None)
    );
    let o = parse("VBR.Butler.Veeam.com.:127.0.0.1");
    assert_eq!(
        (o.host.as_str(), o.port, &o.target, o.target_port),
        ("vbr.butler.veeam.com", None, &loopback, None)
    );
    let o = parse("vbr.butler.veeam.com:443:127.0.0.1:8443");
    assert_eq!((o.port, o.target_port), (Some(443), Some(8443)));
    let o = parse("vbr.butler.veeam.com:127.0.0.1:8443");
    assert_eq!((o.port, o.target_port), (None, Some(8443)));
    let o = parse("o.ss2.us:80:[::1]:8080");
    assert_eq!(
        o.target,
        OverrideTarget::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST))
    );
    assert_eq!(o.to_string(), "o.ss2.us:80:[::1]:8080");
    let o = parse("o.ss2.us:blocked.invalid");
    assert_eq!(o.target, OverrideTarget::Host("blocked.invalid".into()));
    let o = parse("vac.butler.veeam.com:443:Mirror.Example.net");
    assert_eq!(o.target, OverrideTarget::Host("mirror.example.net".into()));
}

#[test]
fn malformed_overrides_are_refused_with_the_reason_and_the_accepted_forms() {
    for (input, reason) in [
        ("", "the host is empty"),
        ("vbr.butler.veeam.com", "the target address is missing"),
        ("vbr.butler.veeam.com:443", "the target address is missing"),
        (":127.0.0.1", "the host is empty"),
        ("h:70000:127.0.0.1", "\"70000\" is not a port"),
        ("h:443:127.0.0.1:0", "\"0\" is not a port"),
        ("h:443:127.0.0.1:x", "\"x\" is not a port"),
        ("h:443:[::1", "unbalanced brackets"),
        ("h:443:[nope]", "[nope] is not an IPv6 address"),
        (
            "h:443:bad_name!",
            "is neither an IP address nor a host name",
        ),
        ("h:1:2:3:4", "too many"),
    ] {
        let error = input
            .parse::<ResolveOverride>()
            .expect_err(&format!("{input:?} must be refused"));
        let message = error.to_string();
        assert!(message.contains(reason), "{input:?}: {message}");
        assert!(message.contains("HOST:PORT:ADDRESS"), "{message}");
        assert_eq!(error.given, input);
    }
}

#[test]
fn a_port_specific_override_beats_a_host_wide_one_and_later_ones_replace_earlier() {
    let overrides = ResolveOverrides::parse_all([
        "vbr.butler.veeam.com:10.0.0.1",
        "vbr.butler.veeam.com:443:10.0.0.2",
        "vbr.butler.veeam.com:443:10.0.0.3",
    ])
    .unwrap();
    assert_eq!(overrides.iter().count(), 2);
    let target = |port| {
        overrides
            .lookup("VBR.butler.veeam.com", port)
            .map(|o| o.target.to_string())
    };
    assert_eq!(target(443).as_deref(), Some("10.0.0.3"));
    assert_eq!(target(80).as_deref(), Some("10.0.0.1"));
    assert_eq!(overrides.lookup("vbo.butler.veeam.com", 443), None);
    assert!(ResolveOverrides::parse_all(["ok:127.0.0.1", "broken"]).is_err());
}

#[test]
fn the_product_table_lists_enterprise_manager_explicitly() {
    let rows = vspc_licensing::alk::product_table();
    assert_eq!(rows.len(), 7);
    let em = rows
        .iter()
        .find(|r| r.product == AlkProduct::EnterpriseManager)
        .expect("EM has a row");
    assert_eq!(em.license_update, None);
    let json = serde_json::to_value(em).unwrap();
    assert_eq!(json["product"], "em");
    assert_eq!(json["name"], "Veeam Backup Enterprise Manager");
    assert!(json["license_update"].is_null());
    assert!(json["note"]
        .as_str()
        .unwrap()
        .contains("certificate revocation"));
    let with_server = rows.iter().filter(|r| r.license_update.is_some()).count();
    assert_eq!(with_server, 6);
    let revocation: Vec<_> = vspc_licensing::alk::revocation_endpoints()
        .iter()
        .map(|e| e.host)
        .collect();
    assert_eq!(
        revocation,
        [
            "o.ss2.us",
            "ocsp.sca1b.amazontrust.com",
            "ocsp.rootca1.amazontrust.com",
            "ocsp.rootg2.amazontrust.com"
        ]
    );
}

#[test]
fn the_products_vspc_licenses_have_one_name_in_both_vocabularies() {
    for product in Product::ALL {
        match AlkProduct::of(product) {
            Some(alk) => {
                // The same product: the same variant name, full name and command-line names.
                assert_eq!(format!("{alk:?}"), format!("{product:?}"));
                assert_eq!(alk.licensed_product(), Some(product));
                assert_eq!(alk.full_name(), product.display_name());
                assert_eq!(product.short_name().parse::<AlkProduct>(), Ok(alk));
            }
            None => assert_eq!(product, Product::Site, "only sites are outside ALK"),
        }
    }
    for alk in AlkProduct::ALL {
        if let Some(product) = alk.licensed_product() {
            assert_eq!(AlkProduct::of(product), Some(alk));
        }
    }
    assert!("site".parse::<AlkProduct>().is_err());
}
