"""Seed texts shipped with trendwatch (the model card is ``models/README.md``).

* :data:`THEME_SEEDS` — extra seed phrases for the starter config's theme ids, used only
  when a configured theme has that id. They widen the few keywords/examples of the starter
  config with the vocabulary a theme uses in Indonesian, English and slang.
* :data:`OFFBRAND_SEEDS` — generic news that serves no creative brand (politics, crime,
  football, prices, weather, gadgets...), giving the off-brand class real examples before
  any review. A seed mentioning one of the configured themes' keywords is left out, so a
  brand that *does* have a football theme keeps its football.

They are short phrases and generic headlines written for this purpose. None is copied from
the evaluation sets in ``benchmarks/eval_data/`` (``tests/test_ranking_data.py`` checks
that no seed is a near-duplicate of an evaluation item), so the benchmark stays honest.
These live in a module, not a data file, so they ship inside the installed package.
"""

from __future__ import annotations

THEME_SEEDS: dict[str, list[str]] = {
    "film-industry": [
        "film Indonesia tayang di bioskop", "jumlah penonton film tembus juta",
        "box office akhir pekan", "festival film internasional", "premiere film",
        "sutradara film panjang", "trailer resmi film", "poster resmi film",
        "film horor lokal", "serial original platform streaming", "tayang di Netflix",
        "Prime Video, Disney+ Hotstar, Vidio original series", "Piala Citra nominasi",
        "Festival Film Indonesia", "JAFF Jogja-NETPAC Asian Film Festival", "Cannes Berlinale "
        "Venice Busan Sundance", "Oscar nominations best picture", "film adaptasi novel",
        "rumah produksi umumkan film terbaru", "aktor dan aktris pemeran utama",
        "opening weekend box office record", "streaming release date", "sekuel film",
        "gala premiere film", "ulasan film", "film review", "bioskop XXI CGV Cinepolis",
    ],
    "behind-the-scenes": [
        "di balik layar produksi", "behind the scenes syuting", "sinematografi",
        "cinematographer director of photography", "color grading DaVinci Resolve",
        "editing video Premiere Pro", "kamera sinema ARRI RED Sony FX", "lensa anamorphic",
        "lighting set film", "gimbal drone rig", "storyboard dan shot list",
        "proses syuting di lokasi", "teknik pengambilan gambar", "sound design foley mixing",
        "VFX dan CGI", "tips penyutradaraan", "blocking aktor", "workflow post-production",
        "behind the scenes footage", "kru film", "gaffer grip", "frame rate shutter angle",
        "LUT log footage", "sutradara bercerita proses kreatif", "making of film",
        "tutorial videografi", "filmmaking tips",
    ],
    "advertising": [
        "kampanye iklan terbaru", "iklan TV commercial", "brand storytelling",
        "agensi kreatif", "creative agency", "ad campaign", "iklan Ramadan",
        "iklan viral brand lokal", "Citra Pariwara", "Cannes Lions", "copywriting iklan",
        "strategi pemasaran brand", "marketing campaign", "rebranding logo baru",
        "kolaborasi brand", "brand activation", "iklan digital", "TVC", "jingle iklan",
        "direktur kreatif agensi", "pitching klien", "brand film", "iklan emosional",
        "advertising award", "Super Bowl ads", "campaign launch",
    ],
    "local-culture": [
        "budaya Indonesia", "Hari Batik Nasional", "Lebaran mudik", "tradisi daerah",
        "kuliner nusantara", "musik Indonesia", "musisi lokal rilis lagu", "konser",
        "fashion lokal", "wastra nusantara tenun songket", "kreator lokal", "wayang",
        "tari tradisional", "upacara adat", "festival budaya", "Ramadan ngabuburit",
        "Hari Kemerdekaan 17 Agustus lomba", "Imlek", "Natal dan tahun baru",
        "bahasa daerah", "UMKM kerajinan", "Java Jazz", "Pestapora", "dangdut",
        "kebaya", "batik", "Indonesian culture", "local brand fashion Jakarta",
    ],
    "social-trends": [
        "viral di TikTok", "tren TikTok", "Instagram Reels", "YouTube Shorts",
        "konten kreator", "content creator", "creator economy", "meme viral",
        "challenge viral", "FYP", "netizen ramai", "trending di X", "influencer",
        "algoritma TikTok", "live shopping", "format konten baru", "sound TikTok viral",
        "tren media sosial", "social media trend", "viral video", "engagement rate",
        "fitur baru Instagram", "update algoritma", "podcast YouTube", "vlog", "meme template",
        "trend alert", "UGC user generated content",
    ],
}

OFFBRAND_SEEDS: list[str] = [
    # politics and government
    "DPR sahkan rancangan undang-undang", "pemilihan kepala daerah", "partai politik koalisi",
    "menteri umumkan kebijakan", "presiden lantik pejabat", "sidang kabinet",
    "parliament passes bill", "election results", "prime minister resigns",
    "kebijakan pemerintah daerah", "KPU tetapkan jadwal pemilu", "demo mahasiswa",
    # crime, law and accidents
    "polisi tangkap tersangka", "kasus korupsi KPK", "pengadilan vonis terdakwa",
    "kecelakaan lalu lintas", "kebakaran rumah warga", "penipuan online",
    "police arrest suspect", "court ruling", "banjir rendam permukiman", "gempa bumi",
    "narkoba", "pembunuhan", "pencurian motor",
    # economy and money
    "harga beras naik", "harga emas hari ini", "kurs rupiah terhadap dolar",
    "IHSG ditutup menguat", "inflasi", "suku bunga Bank Indonesia", "harga BBM",
    "saham", "stock market", "interest rates", "pajak", "pinjaman online",
    "gaji UMR", "harga cabai", "APBN",
    # sport
    "Timnas Indonesia", "Liga 1", "sepak bola", "pertandingan", "skor akhir",
    "Premier League", "Liga Champions", "MotoGP", "bulu tangkis", "transfer pemain",
    "pelatih", "klasemen", "football match result", "NBA",
    # tech and gadgets
    "harga HP terbaru", "spesifikasi smartphone", "review laptop", "chipset prosesor",
    "update sistem operasi", "aplikasi perbankan", "kebocoran data", "AI chip",
    "smartphone launch", "cryptocurrency bitcoin",
    # weather, health, travel, everything else
    "cuaca hari ini", "prakiraan cuaca hujan", "jadwal KRL", "macet", "tol",
    "kesehatan", "demam berdarah", "vaksin", "rumah sakit", "resep masakan",
    "tips diet", "jadwal sholat", "haji", "lowongan kerja CPNS", "pendaftaran sekolah",
    "harga tiket pesawat", "weather forecast", "health tips", "real estate",
]
