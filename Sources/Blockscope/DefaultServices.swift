/// The built-in service catalogue (docs/SERVICES.md). `blockscope services show` prints it; `--services FILE`
/// adds services, or more ways to recognise a built-in one, tried before these.
public enum DefaultServices {
    public static let file = "<built-in services>"

    public static let yaml = """
        # Blockscope's built-in service catalogue.
        #
        # A flow belongs to the first service with a matcher that fits it. Matchers that name server names (sni)
        # are tried first, in this order; then the others, in this order. A matcher fits when all it states holds:
        #   sni:        server-name globs (* spans dots; case-insensitive) for the flow's TLS/QUIC/DTLS ClientHello
        #   addresses:  address blocks of either endpoint (the responder's first)
        #   tcp, udp:   ports (or ranges) of that endpoint, for that transport only
        #   stun:       software / realm (substrings, case-insensitive), attributes / message_types (ranges):
        #               any one of them
        #   role:       what the flow is to the service (push, signalling, relay, media, web, ...)
        #
        # Address blocks are the operators' published or widely documented ranges at the time of writing; they
        # are a starting point, not a complete list. Sources are in docs/SERVICES.md.
        services:
          - name: FaceTime
            description: >-
              Apple FaceTime: call invitations over Apple's push service (APNs, TCP 5223 or 443 in 17.0.0.0/8),
              identity lookups (*.ess.apple.com), then STUN/TURN relays and media over UDP (Apple HT202944).
            match:
              - role: signalling
                sni: [facetime.apple.com, "*.facetime.apple.com", "*.ess.apple.com", ess.apple.com]
              - role: push
                sni: ["*.push.apple.com", push.apple.com, "*-courier.push.apple.com"]
              - role: push
                addresses: [17.0.0.0/8, 2620:149::/32, 2403:300::/32]
                tcp: [5223]
              - role: relay
                addresses: [17.0.0.0/8, 2620:149::/32, 2403:300::/32]
                udp: [3478-3497]
              - role: media
                addresses: [17.0.0.0/8, 2620:149::/32, 2403:300::/32]
                udp: [16384-16387, 16393-16402]

          - name: WhatsApp
            description: >-
              WhatsApp: chat over TLS/5222 to *.whatsapp.net, calls through Meta's relays with STUN that carries
              WhatsApp's own message types and attributes (nDPI stun.c).
            match:
              - role: signalling
                sni: [whatsapp.com, "*.whatsapp.com", whatsapp.net, "*.whatsapp.net", wa.me, "*.wa.me"]
              - role: relay
                stun:
                  message_types: [0x0800-0x0802]
                  attributes: [0x4000-0x4004, 0x4007]
              - role: relay
                addresses: [157.240.0.0/16, 31.13.64.0/18, 179.60.192.0/22, 185.60.216.0/22, 2a03:2880::/32]
                udp: [3478]
              - role: signalling
                addresses: [157.240.0.0/16, 31.13.64.0/18, 179.60.192.0/22, 185.60.216.0/22, 2a03:2880::/32]
                tcp: [5222]

          - name: Telegram
            description: >-
              Telegram: MTProto to its data centres (149.154.160.0/20, 91.108.0.0/16 blocks), web and CDN names,
              calls through relays whose STUN REALM says "telegram" (nDPI telegram.c, OONI ts-020).
            match:
              - role: web
                sni: [telegram.org, "*.telegram.org", t.me, "*.t.me", telegram.me, "*.telegram.me", "*.cdn-telegram.org"]
              - role: relay
                stun:
                  realm: [telegram]
              - role: signalling
                addresses: [149.154.160.0/20, 91.108.4.0/22, 91.108.8.0/22, 91.108.12.0/22, 91.108.16.0/22,
                            91.108.20.0/22, 91.108.56.0/22, 95.161.64.0/20, 185.76.151.0/24,
                            2001:b28:f23d::/48, 2001:b28:f23f::/48, 2001:67c:4e8::/48]

          - name: Signal
            description: >-
              Signal: the service and its CDNs under signal.org / whispersystems.org, calls through relays whose
              STUN REALM names them (OONI ts-029, nDPI stun.c).
            match:
              - role: signalling
                sni: [signal.org, "*.signal.org", whispersystems.org, "*.whispersystems.org", signal.art, "*.signal.art"]
              - role: relay
                stun:
                  realm: [signal.org, whispersystems.org]

          - name: YouTube
            description: YouTube pages, API and video (googlevideo.com carries the video itself).
            match:
              - role: web
                sni: [youtube.com, "*.youtube.com", youtu.be, "*.youtu.be", "*.googlevideo.com", "*.ytimg.com",
                      "*.youtube-nocookie.com", youtubei.googleapis.com, "*.ggpht.com"]

          - name: X
            description: X (Twitter) pages, API and media.
            match:
              - role: web
                sni: [x.com, "*.x.com", twitter.com, "*.twitter.com", "*.twimg.com", t.co]

          - name: Discord
            description: Discord web, API, gateway and voice (voice servers under discord.media, UDP media).
            match:
              - role: web
                sni: [discord.com, "*.discord.com", discord.gg, "*.discord.gg", discordapp.com, "*.discordapp.com",
                      "*.discordapp.net", "*.discord.media", discord.media]

          - name: Cloudflare
            description: >-
              Cloudflare's network (anything it hosts, by its published address ranges), and ECH's outer name
              cloudflare-ech.com; a usual target of the "16 KB" freeze in Russia (dpi-checkers).
            match:
              - role: cdn
                sni: [cloudflare-ech.com, "*.cloudflare.com", cloudflare.com]
              - role: cdn
                addresses: [173.245.48.0/20, 103.21.244.0/22, 103.22.200.0/22, 103.31.4.0/22, 141.101.64.0/18,
                            108.162.192.0/18, 190.93.240.0/20, 188.114.96.0/20, 197.234.240.0/22, 198.41.128.0/17,
                            162.158.0.0/15, 104.16.0.0/13, 104.24.0.0/14, 172.64.0.0/13, 131.0.72.0/22,
                            2400:cb00::/32, 2606:4700::/32, 2803:f800::/32, 2405:b500::/32, 2405:8100::/32,
                            2a06:98c0::/29, 2c0f:f248::/32]

          - name: Hetzner
            description: Hetzner hosting (examples of its blocks); foreign hosting is a usual "16 KB" freeze target.
            match:
              - role: hosting
                addresses: [5.9.0.0/16, 78.46.0.0/15, 88.198.0.0/16, 95.216.0.0/15, 135.181.0.0/16, 136.243.0.0/16,
                            138.201.0.0/16, 144.76.0.0/16, 148.251.0.0/16, 159.69.0.0/16, 168.119.0.0/16,
                            176.9.0.0/16, 188.40.0.0/16, 65.21.0.0/16, 65.108.0.0/15, 2a01:4f8::/32, 2a01:4f9::/32]

          - name: DigitalOcean
            description: DigitalOcean hosting (examples of its blocks).
            match:
              - role: hosting
                addresses: [104.131.0.0/16, 159.65.0.0/16, 167.99.0.0/16, 138.68.0.0/16, 128.199.0.0/16,
                            46.101.0.0/16, 2a03:b0c0::/32, 2604:a880::/32]

          - name: OVH
            description: OVHcloud hosting (examples of its blocks).
            match:
              - role: hosting
                addresses: [51.68.0.0/16, 51.75.0.0/16, 51.77.0.0/16, 51.91.0.0/16, 54.36.0.0/16, 137.74.0.0/16,
                            145.239.0.0/16, 149.202.0.0/16, 151.80.0.0/16, 178.32.0.0/15, 188.165.0.0/16,
                            37.59.0.0/16, 91.121.0.0/16, 94.23.0.0/16, 2001:41d0::/32]

        """
}
