"""The demo portfolio: forty fictional Japanese key accounts with everything a KAM works with.

Every company, person and competitor here is invented. The data is the same on every run for
a given day (one fixed seed per account) and its dates move with today, so the renewals,
reviews and actions due always look current. Accounts that already exist by name are left
alone, which makes a second run a no-op rather than a duplicate.

Rows go in with bulk inserts, in dependency order, after the whole portfolio has been built
in memory: a few dozen statements in all, whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.models import (
    Account,
    AccountStatus,
    AccountTeamMember,
    Contract,
    ContractStatus,
    Industry,
    Meeting,
    MeetingKind,
    Opportunity,
    OpportunityKind,
    OpportunityStage,
    Quadrant,
    TeamRole,
    Tier,
)
from kam.dashboard import refresh_health
from kam.models import Role, User
from plans.models import (
    KPI,
    AccountPlan,
    ActionItem,
    ActionStatus,
    CompetitorPosition,
    CustomerNeed,
    Direction,
    Goal,
    GoalCategory,
    GoalStatus,
    KPIKind,
    KPIMeasurement,
    NeedKind,
    NeedSource,
    NeedStatus,
    Phase,
    PlanReview,
    PlanStatus,
    ReviewCadence,
)
from plans.services import fiscal_year_bounds
from stakeholders.models import Attitude, BuyingRole, Stakeholder, StakeholderEngagement

SEED = 20260401
PASSWORD = "demo-pass-2026"
CONTRACT_PREFIX = "DEMO-"
# Recorded as the reason on the history rows the demo creates.
CHANGE_REASON = "デモデータ投入"
BATCH = 1000

# Demo data


@dataclass(frozen=True)
class DemoUser:
    username: str
    last_name: str
    first_name: str
    name_kana: str
    role: str
    is_superuser: bool = False


DEMO_USERS = (
    DemoUser("sato", "佐藤", "健", "サトウ ケン", Role.REP),
    DemoUser("suzuki", "鈴木", "花子", "スズキ ハナコ", Role.REP),
    DemoUser("takahashi", "高橋", "誠", "タカハシ マコト", Role.REP),
    DemoUser("tanaka", "田中", "一郎", "タナカ イチロウ", Role.MANAGER),
    DemoUser("admin", "管理", "太郎", "カンリ タロウ", Role.ADMIN, is_superuser=True),
)
REPS = ("sato", "suzuki", "takahashi")
MANAGER = "tanaka"


@dataclass(frozen=True)
class Company:
    name: str
    name_kana: str
    industry: str
    headquarters: str
    domain: str
    # A second currency for one contract: a plant abroad billed in its own money.
    foreign_currency: str = ""

    @property
    def short_name(self) -> str:
        for form in ("株式会社", "公益財団法人", "学校法人"):
            if self.name.startswith(form) or self.name.endswith(form):
                return self.name.replace(form, "")
        return self.name


# name | reading | industry | headquarters | web domain | currency of a contract abroad
_COMPANY_TABLE = """
株式会社東雲精機 | シノノメセイキ | manufacturing | 東京都大田区 | shinonome-seiki
北辰機械工業株式会社 | ホクシンキカイコウギョウ | manufacturing | 新潟県長岡市 | hokushin-kikai
株式会社若葉製作所 | ワカバセイサクショ | manufacturing | 埼玉県川口市 | wakaba-ss
三河オートパーツ株式会社 | ミカワオートパーツ | automotive | 愛知県刈谷市 | mikawa-ap
株式会社翔洋モビリティ | ショウヨウモビリティ | automotive | 神奈川県横浜市 | shoyo-mobility | USD
浜名湖ギア工業株式会社 | ハマナコギアコウギョウ | automotive | 静岡県浜松市 | hamanako-gear
株式会社蒼天エレクトロニクス | ソウテンエレクトロニクス | electronics | 京都府京都市 | soten-elec
精華デバイス株式会社 | セイカデバイス | electronics | 長野県諏訪市 | seika-device
株式会社ミナトセンサー | ミナトセンサー | electronics | 神奈川県川崎市 | minato-sensor
朝凪化成株式会社 | アサナギカセイ | chemicals | 山口県周南市 | asanagi-kasei
株式会社白鷺マテリアル | シラサギマテリアル | chemicals | 兵庫県姫路市 | shirasagi-material
青葉ファーマ株式会社 | アオバファーマ | pharma | 宮城県仙台市 | aoba-pharma
株式会社かえでメディカル | カエデメディカル | pharma | 東京都文京区 | kaede-medical
千草製薬株式会社 | チグサセイヤク | pharma | 富山県富山市 | chigusa-seiyaku
株式会社みのり食品 | ミノリショクヒン | food | 北海道札幌市 | minori-foods
潮騒ビバレッジ株式会社 | シオサイビバレッジ | food | 静岡県静岡市 | shiosai-beverage
株式会社暁商事 | アカツキショウジ | retail | 東京都中央区 | akatsuki-shoji
株式会社コトブキマート | コトブキマート | retail | 大阪府堺市 | kotobuki-mart
桜通商事株式会社 | サクラドオリショウジ | retail | 愛知県名古屋市 | sakuradori-shoji
株式会社みなみ風銀行 | ミナミカゼギンコウ | finance | 鹿児島県鹿児島市 | minamikaze-bk
碧海リース株式会社 | ヘキカイリース | finance | 愛知県安城市 | hekikai-lease
若草損害保険株式会社 | ワカクサソンガイホケン | insurance | 東京都千代田区 | wakakusa-sonpo
陽だまり生命保険株式会社 | ヒダマリセイメイホケン | insurance | 東京都新宿区 | hidamari-life
株式会社星灯システムズ | ホシアカリシステムズ | it | 東京都渋谷区 | hoshiakari-sys
紺碧テレコム株式会社 | コンペキテレコム | it | 大阪府大阪市 | konpeki-telecom
株式会社ソラノネ情報技術 | ソラノネジョウホウギジュツ | it | 福岡県福岡市 | soranone-it
大楠建設株式会社 | オオクスケンセツ | construction | 東京都港区 | ookusu-kensetsu
株式会社山吹ハウジング | ヤマブキハウジング | construction | 広島県広島市 | yamabuki-housing
株式会社千代見不動産 | チヨミフドウサン | construction | 東京都千代田区 | chiyomi-re
疾風ロジスティクス株式会社 | ハヤテロジスティクス | logistics | 埼玉県さいたま市 | hayate-logi
株式会社凪波海運 | ナギナミカイウン | logistics | 愛媛県今治市 | naginami-kaiun
緑風エナジー株式会社 | リョクフウエナジー | energy | 宮城県仙台市 | ryokufu-energy
湊川エネルギー株式会社 | ミナトガワエネルギー | energy | 兵庫県神戸市 | minatogawa-energy
株式会社彩雲エージェンシー | サイウンエージェンシー | media | 東京都港区 | saiun-agency
月島出版株式会社 | ツキシマシュッパン | media | 東京都中央区 | tsukishima-pub
株式会社ひまわり人材サービス | ヒマワリジンザイサービス | services | 東京都豊島区 | himawari-jinzai
株式会社碧落コンサルティング | ヘキラクコンサルティング | services | 東京都千代田区 | hekiraku
学校法人若杉学園 | ワカスギガクエン | public | 東京都八王子市 | wakasugi-gakuen
公益財団法人みらい地域振興財団 | ミライチイキシンコウザイダン | public | 岡山県岡山市 | mirai-chiiki
株式会社つむぎホールディングス | ツムギホールディングス | other | 京都府京都市 | tsumugi-hd
"""
COMPANIES = tuple(
    Company(*(part.strip() for part in line.split("|")))
    for line in _COMPANY_TABLE.strip().splitlines()
)


@dataclass(frozen=True)
class IndustryNote:
    business: str
    business_goals: str
    departments: tuple[str, str, str, str]  # the main user department first, buying last


INDUSTRY_NOTES = {
    Industry.MANUFACTURING: IndustryNote(
        "産業機械向け精密部品の製造",
        "中期経営計画で海外売上比率40%・営業利益率10%を掲げ、生産拠点の再編と自動化投資を"
        "進めている。",
        ("生産管理部", "情報システム部", "品質保証部", "購買部"),
    ),
    Industry.AUTOMOTIVE: IndustryNote(
        "自動車部品（駆動系・電装系）の製造",
        "EVシフトに向けた製品構成の転換と、完成車メーカーからの原価低減要請への対応が最重要課題。",
        ("生産技術部", "情報システム部", "品質管理部", "調達部"),
    ),
    Industry.ELECTRONICS: IndustryNote(
        "電子部品・センサーの開発製造",
        "車載・産業機器向けの高付加価値品に集中し、3年で売上1.5倍を目指す。部品不足の教訓から"
        "サプライチェーンの強靭化を進めている。",
        ("SCM推進部", "情報システム部", "開発部", "購買部"),
    ),
    Industry.CHEMICALS: IndustryNote(
        "機能性樹脂・化学素材の製造",
        "カーボンニュートラル対応と高機能素材への事業転換を掲げ、工場データの活用で歩留まり"
        "改善を狙う。",
        ("製造部", "情報システム部", "環境安全部", "購買部"),
    ),
    Industry.PHARMA: IndustryNote(
        "医薬品・医療機器の製造販売",
        "新薬パイプラインの拡充とGMP対応の高度化。品質記録の電子化と需給計画の精度向上が急務。",
        ("SCM部", "情報システム部", "信頼性保証部", "経営企画部"),
    ),
    Industry.FOOD: IndustryNote(
        "加工食品・飲料の製造販売",
        "原材料高騰の中で価格改定と原価管理を強化し、需要予測による食品ロスの半減を目標に"
        "している。",
        ("生産本部", "情報システム部", "物流部", "マーケティング部"),
    ),
    Industry.RETAIL: IndustryNote(
        "小売・卸売（店舗およびEC）",
        "店舗とECの在庫一元化と物流費上昇への対応。3年でEC比率を20%に高める。",
        ("商品部", "情報システム部", "物流部", "店舗運営部"),
    ),
    Industry.FINANCE: IndustryNote(
        "地域金融・リース",
        "地域企業のDX支援を新たな収益源と位置づけ、勘定系以外のシステムのクラウド移行を進めて"
        "いる。",
        ("事務統括部", "システム部", "リスク管理部", "経営企画部"),
    ),
    Industry.INSURANCE: IndustryNote(
        "損害保険・生命保険",
        "代理店チャネルのデジタル化と保険金支払業務の効率化。顧客体験の改善をKPIに掲げる。",
        ("業務改革部", "IT企画部", "カスタマーサービス部", "経営企画部"),
    ),
    Industry.IT: IndustryNote(
        "システムインテグレーション・通信サービス",
        "自社サービスの運用コスト削減とセキュリティ強化。ストック型ビジネスへの転換を進める。",
        ("サービス企画部", "インフラ運用部", "情報セキュリティ部", "購買部"),
    ),
    Industry.CONSTRUCTION: IndustryNote(
        "総合建設・住宅・不動産",
        "人手不足と時間外労働の上限規制への対応として、現場管理のデジタル化と資材調達の効率化"
        "を推進。",
        ("工務部", "情報システム部", "経営企画部", "調達部"),
    ),
    Industry.LOGISTICS: IndustryNote(
        "物流・海運",
        "ドライバー不足と燃料費高騰の中で、配車・倉庫運営の効率化と荷主向け可視化サービスの"
        "拡充を図る。",
        ("輸送管理部", "情報システム部", "倉庫事業部", "営業企画部"),
    ),
    Industry.ENERGY: IndustryNote(
        "電力・ガス・再生可能エネルギー",
        "再エネ比率の向上と設備保全の高度化（予知保全）を中期計画の柱に据えている。",
        ("設備保全部", "情報システム部", "需給管理部", "経営企画部"),
    ),
    Industry.MEDIA: IndustryNote(
        "広告・出版・メディア",
        "デジタル広告への事業転換と、制作工程の効率化による利益率の改善。",
        ("制作管理部", "情報システム部", "メディア事業部", "経営企画部"),
    ),
    Industry.SERVICES: IndustryNote(
        "人材サービス・コンサルティング",
        "登録者・顧客データの統合活用による成約率の向上と、業務標準化による生産性向上。",
        ("業務管理部", "情報システム部", "事業推進部", "経営企画部"),
    ),
    Industry.PUBLIC: IndustryNote(
        "教育・公益事業",
        "少子化の中での経営安定化と、事務のデジタル化・情報セキュリティの強化。",
        ("事務局", "情報センター", "企画部", "総務部"),
    ),
    Industry.OTHER: IndustryNote(
        "持株会社（グループ経営）",
        "グループ各社のシステム統合と、グループ横断の経営データ可視化。",
        ("グループ経営企画部", "グループIT部", "財務部", "人事部"),
    ),
}


def _triples(table: str) -> tuple[tuple[str, str, str], ...]:
    """(kanji, reading, romaji) from "kanji reading romaji" entries separated by slashes."""
    triples = []
    for entry in table.replace("\n", "/").split("/"):
        if entry.strip():
            kanji, reading, romaji = entry.split()
            triples.append((kanji, reading, romaji))
    return tuple(triples)


# kanji reading romaji
FAMILY_NAMES = _triples("""
佐々木 ササキ sasaki / 山本 ヤマモト yamamoto / 中村 ナカムラ nakamura / 小林 コバヤシ kobayashi
加藤 カトウ kato / 吉田 ヨシダ yoshida / 山田 ヤマダ yamada / 山口 ヤマグチ yamaguchi
松本 マツモト matsumoto / 井上 イノウエ inoue / 木村 キムラ kimura / 林 ハヤシ hayashi
清水 シミズ shimizu / 山崎 ヤマザキ yamazaki / 森 モリ mori / 池田 イケダ ikeda
橋本 ハシモト hashimoto / 阿部 アベ abe / 石川 イシカワ ishikawa / 前田 マエダ maeda
藤田 フジタ fujita / 小川 オガワ ogawa / 岡田 オカダ okada / 後藤 ゴトウ goto
長谷川 ハセガワ hasegawa / 村上 ムラカミ murakami / 近藤 コンドウ kondo / 石井 イシイ ishii
坂本 サカモト sakamoto / 遠藤 エンドウ endo / 青木 アオキ aoki / 藤井 フジイ fujii
西村 ニシムラ nishimura / 福田 フクダ fukuda / 太田 オオタ ota / 三浦 ミウラ miura
岡本 オカモト okamoto / 松田 マツダ matsuda / 中川 ナカガワ nakagawa / 原田 ハラダ harada
""")
GIVEN_NAMES = _triples("""
大輔 ダイスケ daisuke / 直樹 ナオキ naoki / 裕子 ユウコ yuko / 恵美 エミ emi
隆 タカシ takashi / 浩二 コウジ koji / 美穂 ミホ miho / 翔太 ショウタ shota
由美 ユミ yumi / 健一 ケンイチ kenichi / 亮 リョウ ryo / 真由美 マユミ mayumi
和也 カズヤ kazuya / 智子 トモコ tomoko / 拓也 タクヤ takuya / 明美 アケミ akemi
修 オサム osamu / 陽子 ヨウコ yoko / 剛 ツヨシ tsuyoshi / 千尋 チヒロ chihiro
誠一 セイイチ seiichi / 彩 アヤ aya / 正樹 マサキ masaki / 久美子 クミコ kumiko
浩 ヒロシ hiroshi / 沙織 サオリ saori / 達也 タツヤ tatsuya / 麻衣 マイ mai
俊介 シュンスケ shunsuke / 香織 カオリ kaori
""")
EXECUTIVE_TITLES = ("常務取締役", "執行役員 CIO", "取締役 管理本部長", "執行役員 事業本部長")
PUBLIC_EXECUTIVE_TITLES = ("常務理事", "事務局長", "理事")

# Our own offering, as the contracts, opportunities and plans speak of it.
CONTRACT_TITLES = (
    "ハーモニーSCM 年間ライセンス契約",
    "運用保守サービス契約",
    "ハーモニー分析基盤 サブスクリプション契約",
    "セキュリティ監視サービス契約",
    "導入コンサルティング業務委託契約",
)
SLA_TERMS = (
    "稼働率99.9%（月間）。重大障害の一次回答30分以内、平日9時〜18時の窓口対応。",
    "稼働率99.5%。問い合わせ一次回答は翌営業日まで。年2回の定期点検を含む。",
    "24時間365日の監視と障害時の一次対応。重大障害は15分以内に連絡。",
    "稼働率99.95%。専任カスタマーサクセス1名、四半期ごとの利用状況レポートを提出。",
)
OPPORTUNITY_IDEAS = {
    OpportunityKind.NEW: ("ハーモニーSCM 新規導入（{dept}）", "需給計画最適化 PoC"),
    OpportunityKind.UPSELL: (
        "ハーモニーSCM 追加ライセンス（{n}拠点）",
        "保守サービスのプレミアム化",
    ),
    OpportunityKind.CROSS_SELL: ("ハーモニー分析基盤 導入", "セキュリティ監視サービス 導入"),
    OpportunityKind.RENEWAL: ("運用保守契約 更新（{year}年度）", "ライセンス契約 複数年更新"),
}
OPPORTUNITY_NOTES = (
    "{dept}の部長が推進役。予算は次年度計画に計上済み。",
    "競合と相見積もり。価格よりも導入実績と支援体制が評価軸。",
    "稟議は経営会議にかかる見込み。役員への説明機会を調整中。",
    "現場の試用評価は良好。情報システム部の技術審査が残っている。",
)
MEETING_IDEAS = (
    (
        MeetingKind.MEETING,
        "月次定例会",
        "導入済み拠点の稼働状況と問い合わせ状況を共有。{dept}から繁忙期の処理遅延について"
        "指摘があった。",
        "遅延の原因調査結果を次回定例で報告する。",
    ),
    (
        MeetingKind.VISIT,
        "現場視察",
        "{dept}の現場を見学。紙の帳票とExcelの二重入力が多く、改善の余地が大きい。",
        "現場改善の提案書を2週間以内に提出する。",
    ),
    (
        MeetingKind.QBR,
        "四半期ビジネスレビュー（QBR）",
        "KPIの進捗を報告。顧客満足度は改善傾向だが、一次回答時間が目標に届いていない。"
        "役員から次年度の拡張に前向きな発言があった。",
        "拡張提案の概算見積もりを提示する。サポート体制の改善案をまとめる。",
    ),
    (
        MeetingKind.CALL,
        "PoC進捗確認",
        "PoCの検証項目の8割が完了。基幹システムとのデータ連携で一部課題が残る。",
        "技術担当と連携仕様を確認し、週内に回答する。",
    ),
    (
        MeetingKind.MEETING,
        "中期課題ヒアリング",
        "中期経営計画の重点施策と各部門の課題を伺った。{dept}はデータ活用に積極的。",
        "ヒアリング内容をアカウントプランに反映し、提案テーマを3つに絞る。",
    ),
    (
        MeetingKind.EMAIL,
        "価格改定のご案内",
        "次年度の価格改定案（+3%）をメールで送付。購買部門からは据え置きの要望があった。",
        "値上げ根拠の資料を準備し、購買部門との面談を設定する。",
    ),
    (
        MeetingKind.VISIT,
        "役員表敬訪問",
        "当社役員が同行して訪問。経営層からサプライチェーン強靭化への期待を伺った。",
        "役員向けブリーフィング資料を共有し、経営会議での説明機会を打診する。",
    ),
    (
        MeetingKind.CALL,
        "障害対応のご報告",
        "先週のシステム障害の原因と再発防止策を説明。{dept}の部長から対応の遅さに厳しい"
        "指摘を受けた。",
        "再発防止策の実施状況を毎週報告する。監視体制の強化案を提示する。",
    ),
    (
        MeetingKind.MEETING,
        "契約更新の事前協議",
        "次回更新に向けて利用状況と契約条件を確認。複数年契約への切り替えに関心がある。",
        "複数年契約の条件案と見積もりを提示する。",
    ),
    (
        MeetingKind.EMAIL,
        "導入事例資料の送付",
        "同業他社の導入事例とROI試算のひな形を送付した。",
        "先方の数値でROI試算を作成し、社内説明に使えるようにする。",
    ),
)


@dataclass(frozen=True)
class NeedIdea:
    kind: str
    title: str
    description: str
    root_cause: str
    source: str


@dataclass(frozen=True)
class KPIIdea:
    name: str
    kind: str
    unit: str
    direction: str = Direction.HIGHER
    # "quarter": a quarter of the goal's target; "goal": the goal's own target;
    # "count": a small count of its own (deals in the pipeline, meetings a quarter).
    target_from: str = "goal"
    decimals: int = 0
    ceiling: float | None = None


@dataclass(frozen=True)
class GoalIdea:
    category: str
    statement: str
    metric: str
    unit: str
    achievable_because: str
    need: NeedIdea
    # None: the baseline is this year's contract value with us, in millions of yen.
    baseline: tuple[float, float] | None
    target: tuple[str, float, float]  # ("factor", lo, hi) of the baseline or ("range", lo, hi)
    decimals: int = 0
    kpi: KPIIdea | None = None


REVENUE_GOAL = GoalIdea(
    GoalCategory.REVENUE,
    "{fy}の当社年間受注額を{target}百万円に拡大する（在庫最適化の全拠点展開）",
    "当社年間受注額",
    "百万円",
    "導入済み拠点で在庫回転日数が15%改善した実績が社内で評価されており、残り拠点への展開"
    "予算が中期計画に計上されているため。",
    NeedIdea(
        NeedKind.PROBLEM,
        "拠点ごとに在庫と需給の情報が分断されている",
        "欠品と過剰在庫が同時に発生し、機会損失と保管コストが膨らんでいる。",
        "拠点ごとに異なるシステムとExcel管理が混在し、全社で同じ数字を見られない。",
        NeedSource.INTERVIEW,
    ),
    None,
    ("factor", 1.15, 1.4),
    decimals=1,
    kpi=KPIIdea("四半期受注額", KPIKind.REVENUE, "百万円", target_from="quarter", decimals=1),
)
GOAL_IDEAS = (
    GoalIdea(
        GoalCategory.DEAL_SIZE,
        "平均案件規模を{target}百万円以上に引き上げる",
        "平均案件規模",
        "百万円",
        "部門単位ではなく全社最適の提案に切り替え、経営企画部の関与を得られているため。",
        NeedIdea(
            NeedKind.VALUE,
            "全社最適の視点での提案を求めている",
            "部門ごとのばらばらな提案ではなく、経営課題に紐づいた投資判断の材料がほしい。",
            "過去の提案が部門別で、経営層に説明できる材料が不足していた。",
            NeedSource.MEETING,
        ),
        (8, 20),
        ("factor", 1.4, 1.8),
        decimals=1,
        kpi=KPIIdea("提案中の大型案件数", KPIKind.DEAL_COUNT, "件", target_from="count"),
    ),
    GoalIdea(
        GoalCategory.SATISFACTION,
        "年次の顧客満足度調査で{target}点（5点満点）を達成する",
        "顧客満足度（5点満点）",
        "点",
        "専任カスタマーサクセスの配置と、問い合わせ窓口の一本化が決まっているため。",
        NeedIdea(
            NeedKind.PROBLEM,
            "問い合わせ対応の遅れに現場が不満を持っている",
            "繁忙期に回答が数日かかり、現場の業務が止まることがある。",
            "問い合わせ窓口が分散し、エスカレーションのルールが曖昧。",
            NeedSource.CRM,
        ),
        (3.3, 3.8),
        ("range", 4.1, 4.5),
        decimals=1,
        kpi=KPIIdea("顧客満足度スコア", KPIKind.SATISFACTION, "点", decimals=1, ceiling=5),
    ),
    GoalIdea(
        GoalCategory.SATISFACTION,
        "障害時の平均一次回答時間を{target}時間以内に短縮する",
        "平均一次回答時間",
        "時間",
        "夜間・休日の監視を監視サービスに移管し、一次対応の手順書を整備済みのため。",
        NeedIdea(
            NeedKind.PROBLEM,
            "システム障害時の復旧が遅く、業務が止まるリスクがある",
            "昨年度、障害で半日業務が止まり、経営会議で問題視された。",
            "監視が日中のみで、夜間の一次対応体制がない。",
            NeedSource.INTERVIEW,
        ),
        (6, 10),
        ("range", 2, 3),
        kpi=KPIIdea(
            "平均一次回答時間", KPIKind.CUSTOM, "時間", direction=Direction.LOWER, decimals=1
        ),
    ),
    GoalIdea(
        GoalCategory.PARTNERSHIP,
        "全契約の更新率{target}%を維持し、主要契約を複数年契約へ切り替える",
        "契約更新率",
        "%",
        "過去3年間で解約がなく、複数年契約による単価メリットに購買部門が関心を示しているため。",
        NeedIdea(
            NeedKind.GOAL,
            "{business}のDXを長期で伴走できるパートナーを求めている",
            "3年間でDX投資を倍増させる方針で、単発ではなく継続的に支援できる相手を探している。",
            "中期経営計画でDXを最重点施策に掲げている。",
            NeedSource.IR,
        ),
        (88, 95),
        ("range", 100, 100),
        kpi=KPIIdea("契約更新率", KPIKind.RETENTION, "%", ceiling=100),
    ),
    GoalIdea(
        GoalCategory.SATISFACTION,
        "利用部門のNPSを{target}ポイントまで改善する",
        "NPS（利用部門）",
        "pt",
        "操作研修とユーザー会の開催で、利用部門の声を製品改善に反映する仕組みができたため。",
        NeedIdea(
            NeedKind.VALUE,
            "現場の担当者が使いやすいツールと支援",
            "現場の入力負担が減り、本来の業務に時間を使えることを重視している。",
            "過去のシステム導入で現場の負担が増え、定着しなかった経験がある。",
            NeedSource.MEETING,
        ),
        (-15, 0),
        ("range", 10, 20),
        kpi=KPIIdea("NPS", KPIKind.NPS, "pt"),
    ),
    GoalIdea(
        GoalCategory.RELATIONSHIP,
        "役員層との定例会を四半期ごとに開き、定期的に接点を持つ役員を{target}名にする",
        "定期接点のある役員数",
        "名",
        "当社役員がエグゼクティブスポンサーとして参加することが決まっているため。",
        NeedIdea(
            NeedKind.PROBLEM,
            "経営層と当社の接点が少なく、投資判断の背景が見えない",
            "大型投資は経営会議で決まるが、議論の中身が当社に届かない。",
            "窓口が情報システム部に限られている。",
            NeedSource.CRM,
        ),
        (1, 1),
        ("range", 3, 4),
        kpi=KPIIdea("役員面談回数（四半期）", KPIKind.CUSTOM, "回", target_from="count"),
    ),
    GoalIdea(
        GoalCategory.REVENUE,
        "分析基盤の導入部門を{target}部門に広げる（クロスセル）",
        "分析基盤の導入部門数",
        "部門",
        "先行導入した部門で月次決算の早期化という成果が出ており、他部門から問い合わせがあるため。",
        NeedIdea(
            NeedKind.GOAL,
            "データに基づく経営判断（需要予測・原価分析）への移行",
            "勘と経験に頼った計画から、データで説明できる計画に変えたい。",
            "決算説明資料でデータ活用を重点施策に掲げている。",
            NeedSource.FINANCIALS,
        ),
        (1, 2),
        ("range", 3, 5),
        kpi=KPIIdea("分析基盤の利用部門数", KPIKind.CUSTOM, "部門"),
    ),
    GoalIdea(
        GoalCategory.INFORMATION,
        "主要{target}部門の中期課題ヒアリングを完了し、アカウントプランに反映する",
        "ヒアリング完了部門数",
        "部門",
        "各部門長との面談枠を情報システム部長に調整してもらえることになったため。",
        NeedIdea(
            NeedKind.PROBLEM,
            "部門ごとの課題と意思決定の流れが把握しきれていない",
            "提案が一部門の要望に偏り、全社の優先順位と合わないことがある。",
            "グループ会社・海外拠点の権限が強く、本社経由の情報が限られる。",
            NeedSource.INDUSTRY_REPORT,
        ),
        (1, 2),
        ("range", 4, 6),
    ),
)
EXTRA_NEEDS = (
    NeedIdea(
        NeedKind.VALUE,
        "予算化しやすい、わかりやすい料金体系",
        "年度途中の追加費用を避けたい。年額固定で予算化できることを重視している。",
        "過去に従量課金で予算超過があった。",
        NeedSource.MEETING,
    ),
    NeedIdea(
        NeedKind.PROBLEM,
        "情報セキュリティ監査への対応負荷が大きい",
        "取引先からのセキュリティ調査票への回答に毎回多くの工数がかかっている。",
        "ログの保管と証跡の整理が手作業になっている。",
        NeedSource.WEBSITE,
    ),
)


@dataclass(frozen=True)
class CompetitorIdea:
    competitor: str
    products: str
    pricing_strategy: str
    marketing_strategy: str
    relationship: str
    strengths: str
    weaknesses: str
    differentiation: str
    win_strategy: str


COMPETITORS = (
    CompetitorIdea(
        "ノヴァテック・ジャパン株式会社",
        "外資系ERPパッケージ（生産・会計・SCMモジュール）",
        "ユーザー課金の高価格帯。大型案件では初年度に大幅な値引きをして囲い込む。",
        "経営層向けセミナーとグローバルの導入事例を前面に出す。",
        "経営企画部と長年の取引があり、会計システムで導入済み。",
        "グローバル標準の機能と経営層への知名度。",
        "カスタマイズ費用が高く、現場の細かな業務に合わせにくい。国内サポートの対応が遅い。",
        "現場業務への適合度と、国内の専任チームによる短期間での立ち上げ。",
        "会計はノヴァテックのまま、SCMと現場領域を当社が担う棲み分けを提案し、ROIを現場の"
        "データで示す。",
    ),
    CompetitorIdea(
        "株式会社東都システムサービス",
        "個別開発（スクラッチ）と保守運用の一括受託",
        "人月単価ベース。保守は年額固定で安く見せる。",
        "常駐SEを通じた深耕営業。",
        "情報システム部に常駐SEが5名おり、日常的な相談相手になっている。",
        "長年の常駐による業務知識と、情報システム部長との深い関係。",
        "属人化と保守費の高止まり。新しい技術への対応が遅い。",
        "パッケージとクラウドで保守費を3割削減できる総保有コスト。",
        "保守更改のタイミングでTCO比較を示し、段階的な移行計画を共同で作る。",
    ),
    CompetitorIdea(
        "アークライト・ソリューションズ株式会社",
        "需要予測・在庫最適化のSaaS",
        "月額の低価格で小さく始められるプラン。",
        "Web広告と無料トライアル、業界展示会への積極出展。",
        "現場部門の一部で試用中。正式な契約はない。",
        "導入の手軽さと画面のわかりやすさ。",
        "大規模データ・基幹システム連携の実績が少ない。サポートはチャットのみ。",
        "基幹システム連携と大規模拠点での稼働実績、訪問型の導入支援。",
        "現場の試用結果を尊重しつつ、全社展開時の連携・統制の要件で比較表を作る。",
    ),
    CompetitorIdea(
        "株式会社さくら電算",
        "地域密着の業務システムとハードウェア保守",
        "ハード込みの一括見積もりで安く見せる。",
        "地元経済団体を通じた紹介営業。",
        "総務部・経理部と20年以上の取引があり、社長同士の交流もある。",
        "地元での信頼と即日の駆けつけ保守。",
        "クラウドやデータ分析の提案力が弱い。",
        "クラウド化とデータ活用の専門性、全国規模の導入実績。",
        "ハード保守はさくら電算と協業し、当社はクラウドと分析の領域に集中して共存する。",
    ),
    CompetitorIdea(
        "ゼニス・ソフトウェア日本法人",
        "BI・データ分析プラットフォーム",
        "コア課金のライセンス。毎年値上げの傾向。",
        "データ活用コミュニティとパートナー経由の販売。",
        "経営企画部がダッシュボードで利用中。更新時の値上げに不満がある。",
        "可視化機能の豊富さとブランド力。",
        "ライセンス費用の上昇と、現場データの整備支援がないこと。",
        "データ整備から定着まで一気通貫で支援し、利用部門ごとの成果を測る。",
        "次回更新の値上げ時期に合わせ、移行費用込みの3年TCOと定着支援を提案する。",
    ),
    CompetitorIdea(
        "グランツ情報サービス株式会社",
        "ヘルプデスク・運用監視のアウトソーシング",
        "件数連動の従量課金で、入札では最安値を出してくる。",
        "価格の安さを前面に出したコンペへの参加。",
        "ヘルプデスク業務を3年前から受託している。",
        "低価格と大量処理の体制。",
        "一次回答の品質にばらつきがあり、エスカレーションが遅い。",
        "製品を熟知した専任サポートと、SLAによる品質の保証。",
        "障害時の一次回答時間をSLAで保証し、品質データで比較してもらう。",
    ),
)

ACTION_IDEAS = {
    Phase.RESEARCH: (
        (
            "IR資料・中期経営計画の読み込み",
            "決算説明資料と中期経営計画から重点施策と投資計画を整理する。",
            "IR資料、業界レポート",
        ),
        (
            "主要部門へのヒアリング",
            "{dept}を中心に課題と優先順位をヒアリングする。",
            "ヒアリングシート、同行SE 1名",
        ),
        (
            "組織図と意思決定プロセスの確認",
            "稟議の流れと決裁権限を確認し、パワーマップを更新する。",
            "CRMのステークホルダー情報",
        ),
        (
            "競合の導入状況の調査",
            "競合製品の利用範囲と契約更新の時期を把握する。",
            "営業担当、パートナー情報",
        ),
    ),
    Phase.RELATIONSHIP: (
        ("キーパーソンとの個別面談", "{dept}の部長と個別に面談し、懸念と期待を伺う。", "営業担当"),
        (
            "役員向けエグゼクティブブリーフィング",
            "当社役員から業界動向と導入効果を説明する場を設ける。",
            "当社役員、ブリーフィング資料",
        ),
        ("ユーザー会への招待", "同業の導入企業と情報交換できる場に招待する。", "マーケティング部"),
    ),
    Phase.PROPOSAL: (
        (
            "全社展開の提案書作成",
            "全社展開の提案書を作り、効果とスケジュールを示す。",
            "提案チーム、ROI試算",
        ),
        (
            "ROI試算の提示",
            "先方の実データで投資対効果を試算し、稟議資料として渡す。",
            "カスタマーサクセス、データ分析担当",
        ),
        ("価格改定案の提示", "次年度の価格改定案と根拠を説明する。", "価格表、利用実績データ"),
    ),
    Phase.EXECUTION: (
        ("PoC環境の構築", "検証用の環境を構築し、データ連携を確認する。", "SE 2名、検証環境"),
        (
            "導入キックオフの開催",
            "関係部門を集めてキックオフを行い、体制と日程を合意する。",
            "プロジェクトマネージャー",
        ),
        ("現場向け操作研修", "{dept}の利用者向けに操作研修を行う。", "トレーナー、研修資料"),
    ),
    Phase.REVIEW: (
        (
            "四半期ビジネスレビューの開催",
            "KPIの進捗と次の四半期の施策を先方役員と確認する。",
            "QBR資料",
        ),
        ("契約更新条件の協議", "更新条件と複数年契約の可能性を協議する。", "契約書、利用実績"),
        (
            "成功事例の共同発表の打診",
            "導入効果を共同で事例化し、業界イベントでの発表を打診する。",
            "マーケティング部",
        ),
        (
            "次年度計画のすり合わせ",
            "次年度の投資計画と当社の支援内容をすり合わせる。",
            "アカウントチーム全員",
        ),
    ),
}
# Days from today, per phase: research lies behind, review ahead.
ACTION_WINDOWS = {
    Phase.RESEARCH: (-140, -20),
    Phase.RELATIONSHIP: (-80, 30),
    Phase.PROPOSAL: (-40, 70),
    Phase.EXECUTION: (-10, 130),
    Phase.REVIEW: (40, 220),
}
REVIEW_NOTES = (
    "KPIはおおむね計画どおり。一次回答時間の改善が遅れている。",
    "競合が値下げ提案をしており、更新に向けて警戒が必要。",
    "キーパーソンが異動し、関係の再構築が必要になった。",
    "PoCの評価は良好。全社展開の予算化が次の焦点。",
)
REVIEW_DECISIONS = (
    "サポート体制の強化を優先し、次回までに改善案を示す。",
    "役員面談を前倒しで設定する。",
    "拡張提案を上期中に提出する。",
    "価格改定は据え置き、複数年契約で単価を調整する。",
)
CULTURES = (
    "現場主義で改善活動が根付いている。新しい道具には慎重だが、実績が見えると一気に広がる。",
    "合議制で根回しを重視する。会議の前に関係部門の合意を取っておくことが欠かせない。",
    "創業家出身の社長によるトップダウン。決定は速いが、社長の関心事に提案を合わせる必要がある。",
    "数値目標とスピードを重視する。提案には必ず定量的な効果を求められる。",
    "品質と安全を最優先する保守的な文化。前例と他社事例が判断の拠り所になる。",
)
DECISION_PROCESSES = (
    "1,000万円以上の投資は経営会議で決裁。起案は{dept}、技術評価は情報システム部門、"
    "最終決裁は{top}。稟議には6〜8週間かかる。",
    "予算は前年の秋に確定し、期中の追加投資は原則として認められない。{dept}が要件をまとめ、"
    "購買部門が3社以上の相見積もりを取る。",
    "{top}が最終決裁するが、実質的には{dept}の部長の推薦で決まる。購買部門は価格交渉を担う。",
    "IT投資委員会（四半期に1回）で審議。委員会の前に{dept}と情報システム部門の合意が必要。",
)
CONCERNS = ("費用対効果", "既存ベンダーからの切り替えリスク", "過去の障害対応", "現場の負担増")
STAKEHOLDER_NOTES = {
    BuyingRole.CHAMPION: "当社導入の推進役。社内説明資料の作成にも協力的。",
    BuyingRole.BLOCKER: "既存ベンダーとの関係が深く、切り替えに慎重。",
    BuyingRole.GATEKEEPER: "購買窓口。相見積もりと価格条件に厳しい。",
}

# Portfolio shape. Indexes into these cycles make the spread certain rather than likely:
# every quadrant, accounts with and without a champion, renewals in every bucket.
QUADRANT_CYCLE = (
    Quadrant.INVEST,
    Quadrant.GROW,
    Quadrant.MAINTAIN,
    Quadrant.INVEST,
    Quadrant.REDUCE,
    Quadrant.GROW,
    Quadrant.MAINTAIN,
    Quadrant.INVEST,
    Quadrant.GROW,
    Quadrant.REDUCE,
)
TIERS_BY_QUADRANT = {
    Quadrant.INVEST: (Tier.STRATEGIC, Tier.STRATEGIC, Tier.KEY),
    Quadrant.GROW: (Tier.KEY, Tier.GROWTH, Tier.GROWTH),
    Quadrant.MAINTAIN: (Tier.KEY, Tier.MAINTAIN),
    Quadrant.REDUCE: (Tier.MAINTAIN, Tier.GROWTH),
}
# Stakeholder sentiment per account: "healthy" has a champion and a supportive decision
# maker, "no_champion" has nobody pushing for us, "opposed" has a decision maker against us,
# "mixed" has a champion and a blocker.
PROFILE_CYCLE = (
    "healthy",
    "healthy",
    "no_champion",
    "mixed",
    "opposed",
    "healthy",
    "no_champion",
    "healthy",
    "mixed",
    "opposed",
    "healthy",
)
PROSPECTS = frozenset({11, 25, 36})
DEADLINE_BUCKETS = ("overdue", "30", "later", "60", "later", "90", "later")
DEADLINE_DAYS = {
    "overdue": (-45, -1),
    "30": (0, 30),
    "60": (31, 60),
    "90": (61, 90),
    "later": (91, 330),
}
REVENUE_OKU_BY_TIER = {  # the customer's own annual revenue, in 100 million yen
    Tier.STRATEGIC: (3000, 20000),
    Tier.KEY: (800, 6000),
    Tier.GROWTH: (150, 1200),
    Tier.MAINTAIN: (60, 900),
}
EMPLOYEES_BY_TIER = {
    Tier.STRATEGIC: (8000, 60000),
    Tier.KEY: (2000, 15000),
    Tier.GROWTH: (400, 4000),
    Tier.MAINTAIN: (200, 3000),
}
CONTRACT_VALUE_BY_TIER = {  # annual value with us, in 100 thousand yen
    Tier.STRATEGIC: (300, 1800),
    Tier.KEY: (120, 600),
    Tier.GROWTH: (30, 200),
    Tier.MAINTAIN: (20, 120),
}
CADENCES_BY_TIER = {
    Tier.STRATEGIC: (ReviewCadence.MONTHLY, ReviewCadence.QUARTERLY),
    Tier.KEY: (ReviewCadence.QUARTERLY,),
    Tier.GROWTH: (ReviewCadence.QUARTERLY, ReviewCadence.HALF_YEARLY),
    Tier.MAINTAIN: (ReviewCadence.HALF_YEARLY,),
}


# The seeding service


@dataclass
class DemoStaff:
    reps: list[User]
    manager: User


@dataclass
class SeedResult:
    created: int
    skipped: int
    counts: dict[str, int]


@dataclass
class _Batch:
    """Unsaved rows of every kind, saved in dependency order by save()."""

    accounts: list[Account] = field(default_factory=list)
    team: list[AccountTeamMember] = field(default_factory=list)
    stakeholder_levels: list[list[Stakeholder]] = field(
        default_factory=lambda: [[] for _ in range(5)]
    )
    contracts: list[Contract] = field(default_factory=list)
    renewed: list[Contract] = field(default_factory=list)
    opportunities: list[Opportunity] = field(default_factory=list)
    meetings: list[tuple[Meeting, list[Stakeholder], list[User]]] = field(default_factory=list)
    plans: list[AccountPlan] = field(default_factory=list)
    needs: list[CustomerNeed] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    kpis: list[KPI] = field(default_factory=list)
    measurements: list[KPIMeasurement] = field(default_factory=list)
    competitors: list[CompetitorPosition] = field(default_factory=list)
    engagements: list[StakeholderEngagement] = field(default_factory=list)
    actions: list[ActionItem] = field(default_factory=list)
    reviews: list[PlanReview] = field(default_factory=list)

    def save(self) -> None:
        # Children point at parent objects; bulk_create sets each parent's id on the object,
        # and Django copies it into the child's foreign key when the child is inserted.
        _with_history(Account, self.accounts)
        _bulk(AccountTeamMember, self.team)
        for level in self.stakeholder_levels:
            _with_history(Stakeholder, level)
        _with_history(Contract, self.contracts)
        # A renewed contract names its successor, which must exist first.
        _with_history(Contract, self.renewed)
        _bulk(Opportunity, self.opportunities)
        _bulk(Meeting, [meeting for meeting, _, _ in self.meetings])
        _bulk(
            Meeting.stakeholders.through,
            [
                Meeting.stakeholders.through(meeting_id=meeting.pk, stakeholder_id=person.pk)
                for meeting, people, _ in self.meetings
                for person in people
            ],
        )
        _bulk(
            Meeting.attendees.through,
            [
                Meeting.attendees.through(meeting_id=meeting.pk, user_id=user.pk)
                for meeting, _, users in self.meetings
                for user in users
            ],
        )
        _with_history(AccountPlan, self.plans)
        _bulk(CustomerNeed, self.needs)
        _with_history(Goal, self.goals)
        _bulk(KPI, self.kpis)
        _bulk(KPIMeasurement, self.measurements)
        _bulk(CompetitorPosition, self.competitors)
        _bulk(StakeholderEngagement, self.engagements)
        _bulk(ActionItem, self.actions)
        _bulk(PlanReview, self.reviews)


def _bulk(model: type[models.Model], rows: list) -> None:
    model.objects.bulk_create(rows, batch_size=BATCH)


def _with_history(model: type[models.Model], rows: list) -> None:
    if rows:
        bulk_create_with_history(rows, model, batch_size=BATCH, default_change_reason=CHANGE_REASON)


def demo_users_ensure() -> DemoStaff:
    """The demo users, created with the demo password if missing; existing ones are kept."""
    users = {}
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User(
                username=spec.username,
                last_name=spec.last_name,
                first_name=spec.first_name,
                name_kana=spec.name_kana,
                email=f"{spec.username}@example.com",
                role=spec.role,
                is_staff=spec.is_superuser,
                is_superuser=spec.is_superuser,
            )
            user.set_password(PASSWORD)
            user.full_clean()
            user.save()
        users[spec.username] = user
    return DemoStaff(reps=[users[name] for name in REPS], manager=users[MANAGER])


def demo_counts() -> dict[str, int]:
    """Rows per model of the three domain apps and the users."""
    counts = {"kam.User": User.objects.count()}
    for label in ("accounts", "stakeholders", "plans"):
        for model in apps.get_app_config(label).get_models():
            if not model._meta.label.split(".")[1].startswith("Historical"):
                counts[model._meta.label] = model.objects.count()
    return counts


@transaction.atomic
def demo_seed(*, today: dt.date | None = None) -> SeedResult:
    """Create the demo users and every demo account not there yet, with all that hangs on it."""
    today = today or timezone.localdate()
    staff = demo_users_ensure()
    names = [company.name for company in COMPANIES]
    existing = set(Account.objects.filter(name__in=names).values_list("name", flat=True))
    # A renamed demo account still holds its contract numbers: leave that one out too.
    numbered = {
        number.rsplit("-", 1)[0]
        for number in Contract.objects.filter(number__startswith=CONTRACT_PREFIX).values_list(
            "number", flat=True
        )
    }
    batch = _Batch()
    skipped = 0
    for index, company in enumerate(COMPANIES):
        if company.name in existing or _contract_prefix(index) in numbered:
            skipped += 1
            continue
        _AccountBuilder(batch, index, company, staff, today).build()
    batch.save()
    if batch.accounts:
        refresh_health(
            today, accounts=Account.objects.filter(pk__in=[a.pk for a in batch.accounts])
        )
    return SeedResult(created=len(batch.accounts), skipped=skipped, counts=demo_counts())


# Building one account


def _contract_prefix(index: int) -> str:
    return f"{CONTRACT_PREFIX}{index + 1:03d}"


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _number(value: Decimal) -> str:
    """A figure as people write it in a goal: no trailing zeros."""
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _quantize(value: float, decimals: int) -> Decimal:
    return Decimal(str(round(value, decimals))).quantize(Decimal(1).scaleb(-decimals))


def _quarter_ends(start: dt.date, count: int) -> list[dt.date]:
    """The last days of `count` consecutive quarters, the first one beginning at start."""
    return [start + relativedelta(months=3 * k) - dt.timedelta(days=1) for k in range(1, count + 1)]


def _recent_quarter_ends(today: dt.date, start_month: int, count: int) -> list[dt.date]:
    """The last `count` fiscal quarter ends on or before today, oldest first."""
    day = today + relativedelta(day=31)
    while (day.month - start_month) % 3 != 2 or day > today:
        day = (day.replace(day=1) - dt.timedelta(days=1)) + relativedelta(day=31)
    return [day - relativedelta(months=3 * k) + relativedelta(day=31) for k in range(count)][::-1]


class _AccountBuilder:
    def __init__(
        self, batch: _Batch, index: int, company: Company, staff: DemoStaff, today: dt.date
    ):
        self.batch = batch
        self.index = index
        self.company = company
        self.staff = staff
        self.today = today
        self.rnd = random.Random(SEED * 1000 + index)
        self.note = INDUSTRY_NOTES[company.industry]
        self.owner = staff.reps[index % len(staff.reps)]
        self.colleagues = [rep for rep in staff.reps if rep is not self.owner]
        self.quadrant = QUADRANT_CYCLE[index % len(QUADRANT_CYCLE)]
        self.profile = PROFILE_CYCLE[index % len(PROFILE_CYCLE)]
        self.team_users: list[User] = []
        self.people: list[Stakeholder] = []
        self.top = Stakeholder()
        self._names: list[tuple[str, str, str]] = []
        self.contract_value_jpy = Decimal(0)
        self.next_contract = 1

    def build(self) -> None:
        self.account = self._account()
        self._team()
        self._stakeholders()
        self._contracts()
        self._opportunities()
        self._meetings()
        self._current_plan()
        if self.index % 4 == 1:
            self._archived_plan()

    # The account and its team

    def _account(self) -> Account:
        rnd = self.rnd
        tier = rnd.choice(TIERS_BY_QUADRANT[self.quadrant])
        self.tier = tier
        revenue_oku = rnd.randint(*REVENUE_OKU_BY_TIER[tier])
        size = 1 + sum(revenue_oku >= edge for edge in (300, 1000, 3000, 10000))
        attractive = self.quadrant in (Quadrant.INVEST, Quadrant.GROW)
        strong = self.quadrant in (Quadrant.INVEST, Quadrant.MAINTAIN)
        while True:
            position, growth = rnd.randint(1, 5), rnd.randint(1, 5)
            if (size + position + growth >= 9) == attractive:
                break
        while True:
            fit, relationship = rnd.randint(1, 5), rnd.randint(1, 5)
            if (fit + relationship >= 6) == strong:
                break
        risk = 0.7 if self.profile == "opposed" else 0.3 if self.quadrant == Quadrant.REDUCE else 0
        if self.index in PROSPECTS:
            status = AccountStatus.PROSPECT
        elif rnd.random() < risk:
            status = AccountStatus.AT_RISK
        else:
            status = AccountStatus.ACTIVE
        self.status = status
        account = Account(
            name=self.company.name,
            name_kana=self.company.name_kana,
            industry=self.company.industry,
            website=f"https://www.{self.company.domain}.example.jp/",
            headquarters=self.company.headquarters,
            annual_revenue=Decimal(revenue_oku) * 100_000_000,
            employees=rnd.randint(*EMPLOYEES_BY_TIER[tier]) // 10 * 10,
            tier=tier,
            status=status,
            owner=self.owner,
            description=f"{self.company.headquarters}に本社を置き、{self.note.business}を"
            f"手がける。{self.note.business_goals}",
            score_revenue_size=size,
            score_industry_position=position,
            score_growth_rate=growth,
            score_fit=fit,
            score_relationship=relationship,
        )
        self.batch.accounts.append(account)
        return account

    def _team(self) -> None:
        rnd = self.rnd
        roles = rnd.sample(
            [
                TeamRole.SALES,
                TeamRole.CUSTOMER_SUCCESS,
                TeamRole.SUPPORT,
                TeamRole.MARKETING,
                TeamRole.PRODUCT,
            ],
            2,
        )
        members = self.colleagues[: rnd.choice([1, 2])]
        for user, role in zip(members, roles, strict=False):
            self.batch.team.append(AccountTeamMember(account=self.account, user=user, role=role))
            self.team_users.append(user)
        if self.tier in (Tier.STRATEGIC, Tier.KEY):
            self.batch.team.append(
                AccountTeamMember(
                    account=self.account,
                    user=self.staff.manager,
                    role=TeamRole.EXECUTIVE_SPONSOR,
                )
            )

    # The customer's people

    def _person(self, level: int, title: str, department: str, boss: Stakeholder | None):
        family, given = self._names.pop(), self.rnd.choice(GIVEN_NAMES)
        person = Stakeholder(
            account=self.account,
            name=f"{family[0]} {given[0]}",
            name_kana=f"{family[1]} {given[1]}",
            title=title,
            department=department,
            email=f"{given[2]}.{family[2]}@{self.company.domain}.example.jp",
            reports_to=boss,
        )
        self.batch.stakeholder_levels[level].append(person)
        self.people.append(person)
        return person

    def _stakeholders(self) -> None:
        rnd = self.rnd
        n = rnd.randint(5, 10)
        self._names = rnd.sample(FAMILY_NAMES, n)
        executives = 1 + (n >= 8)
        heads = 1 + (n >= 6) + (n >= 9)
        rest = n - 1 - executives - heads
        managers = max(1, (rest + 1) // 2)
        staff = rest - managers
        public = self.company.industry == Industry.PUBLIC
        depts = self.note.departments

        top = self._person(0, "理事長" if public else "代表取締役社長", "経営陣", None)
        top.buying_role, top.influence = BuyingRole.DECISION_MAKER, 5
        self.top = top
        exec_titles = rnd.sample(PUBLIC_EXECUTIVE_TITLES if public else EXECUTIVE_TITLES, 2)
        execs = []
        for i in range(executives):
            person = self._person(1, exec_titles[i], "経営陣", top)
            person.buying_role = BuyingRole.ECONOMIC_BUYER if i == 0 else BuyingRole.INFLUENCER
            person.influence = rnd.choice([4, 5]) if i == 0 else 4
            execs.append(person)
        # Heads of department: the user department first, the buying department last.
        head_depts = [depts[0], depts[1], depts[3]][:heads]
        dept_heads = []
        for i, dept in enumerate(head_depts):
            person = self._person(2, "部長", dept, execs[i % len(execs)])
            if dept == depts[3] and heads == 3:
                person.buying_role = BuyingRole.GATEKEEPER
            elif dept == depts[1]:
                person.buying_role = BuyingRole.TECHNICAL_BUYER
            else:
                person.buying_role = BuyingRole.INFLUENCER
            person.influence = rnd.choice([3, 4])
            dept_heads.append(person)
        section_heads = []
        for i in range(managers):
            boss = dept_heads[i % len(dept_heads)]
            person = self._person(3, "課長", boss.department, boss)
            person.buying_role = rnd.choice([BuyingRole.INFLUENCER, BuyingRole.USER])
            person.influence = rnd.choice([2, 3])
            section_heads.append(person)
        for i in range(staff):
            boss = section_heads[i % len(section_heads)]
            person = self._person(4, rnd.choice(["主任", "担当", "係長"]), boss.department, boss)
            person.buying_role, person.influence = BuyingRole.USER, rnd.choice([1, 2])

        for person in self.people:
            person.attitude = rnd.choice([-1, 0, 0, 1, 1])
        top.attitude = rnd.choice([0, 1, 1, 2])
        if self.profile in ("healthy", "mixed", "opposed"):
            champion = rnd.choice(dept_heads[:2] + section_heads[:1])
            champion.buying_role, champion.attitude = BuyingRole.CHAMPION, Attitude.CHAMPION
            champion.influence = max(champion.influence, 3)
        if self.profile == "mixed":
            others = [p for p in dept_heads if p.buying_role != BuyingRole.CHAMPION]
            blocker = others[0] if others else section_heads[-1]
            blocker.buying_role = BuyingRole.BLOCKER
            blocker.attitude = rnd.choice([Attitude.OPPONENT, Attitude.SCEPTIC])
        if self.profile == "opposed":
            top.attitude = Attitude.OPPONENT
            top.notes = "前回の障害対応に不満があり、コスト削減を強く求めている。"
        if self.profile == "no_champion":
            for person in self.people:
                person.attitude = min(person.attitude, Attitude.SUPPORTER)

        owners = [self.owner, *self.team_users]
        for person in self.people:
            person.notes = person.notes or STAKEHOLDER_NOTES.get(person.buying_role, "")
            person.relationship_strength = max(
                0, min(4, 1 + person.attitude + rnd.choice([0, 0, 1]) - (person.influence < 2))
            )
            if person.reports_to is None or person.reports_to is top:
                person.relationship_owner = self.owner
            else:
                person.relationship_owner = rnd.choice([*owners, None])
            draw = rnd.random()
            if person.buying_role == BuyingRole.CHAMPION:
                days = rnd.randint(2, 30)
            elif draw < 0.25:
                days = rnd.randint(91, 400)  # key people gone quiet: the 90-day warning
            elif draw < 0.3:
                days = None
            else:
                days = rnd.randint(0, 89)
            person.last_contacted_on = None if days is None else self.today - dt.timedelta(days)

    # Contracts, opportunities, meetings

    def _contract_number(self) -> str:
        number = f"{_contract_prefix(self.index)}-{self.next_contract:02d}"
        self.next_contract += 1
        return number

    def _contracts(self) -> None:
        rnd, today = self.rnd, self.today
        prospect = self.status == AccountStatus.PROSPECT
        count = 1 if prospect else rnd.randint(1, 3)
        titles = rnd.sample(CONTRACT_TITLES, count)
        low, high = CONTRACT_VALUE_BY_TIER[self.tier]
        for c in range(count):
            bucket = DEADLINE_BUCKETS[(self.index * 3 + c) % len(DEADLINE_BUCKETS)]
            deadline = today + dt.timedelta(days=rnd.randint(*DEADLINE_DAYS[bucket]))
            notice = rnd.choice([30, 60, 90])
            end = deadline + dt.timedelta(days=notice)
            start = end - relativedelta(years=rnd.choice([1, 1, 1, 2, 3])) + dt.timedelta(days=1)
            while start > today:
                start -= relativedelta(years=1)
            if bucket in ("overdue", "30"):
                status = rnd.choice([ContractStatus.IN_RENEWAL, ContractStatus.ACTIVE])
            else:
                status = ContractStatus.ACTIVE
            title, currency = titles[c], settings.DEFAULT_CURRENCY
            value = Decimal(rnd.randint(low, high) * 100_000)
            if prospect:
                title, value = "ハーモニーSCM PoC契約", Decimal(rnd.randint(10, 40) * 100_000)
            elif self.company.foreign_currency and c == count - 1 and count > 1:
                title = f"北米工場向け {title}"
                currency = self.company.foreign_currency
                value = Decimal(rnd.randint(8, 40) * 10_000)
            draw = rnd.random()
            if draw < 0.15:
                last_review, next_review = None, today + dt.timedelta(days=rnd.randint(20, 150))
            elif draw < 0.35:
                # No price review in the last twelve months: the rule of thumb is broken.
                last_review = today - dt.timedelta(days=rnd.randint(380, 600))
                next_review = last_review + relativedelta(years=1)
            else:
                last_review = today - dt.timedelta(days=rnd.randint(20, 340))
                next_review = last_review + relativedelta(years=1)
            contract = Contract(
                account=self.account,
                number=self._contract_number(),
                title=title,
                start_date=start,
                end_date=end,
                annual_value=value,
                currency=currency,
                auto_renew=not prospect and rnd.random() < 0.3,
                notice_period_days=notice,
                status=status,
                next_price_review_date=next_review,
                last_price_review_date=last_review,
                sla_terms="" if prospect else rnd.choice(SLA_TERMS),
            )
            self.batch.contracts.append(contract)
            if currency == settings.DEFAULT_CURRENCY:
                self.contract_value_jpy += value
            if c == 0 and not prospect and self.index % 5 == 2:
                self._renewed_before(contract)

    def _renewed_before(self, successor: Contract) -> None:
        end = successor.start_date - dt.timedelta(days=1)
        self.batch.renewed.append(
            Contract(
                account=self.account,
                number=self._contract_number(),
                title=successor.title,
                start_date=end - relativedelta(years=1) + dt.timedelta(days=1),
                end_date=end,
                annual_value=Decimal(int(successor.annual_value * Decimal("0.92")) // 1000 * 1000),
                currency=successor.currency,
                notice_period_days=successor.notice_period_days,
                status=ContractStatus.RENEWED,
                successor=successor,
                last_price_review_date=end - dt.timedelta(days=120),
                sla_terms=successor.sla_terms,
            )
        )

    def _opportunities(self) -> None:
        rnd, today = self.rnd, self.today
        low, high = CONTRACT_VALUE_BY_TIER[self.tier]
        for o in range(rnd.randint(1, 4)):
            if o == 0 and self.status == AccountStatus.PROSPECT:
                kind = OpportunityKind.NEW
            else:
                kind = rnd.choice(OpportunityKind.values)
            stage = rnd.choice(
                ["lead", "qualified", "proposal", "proposal", "negotiation", "won", "lost"]
            )
            if stage in (OpportunityStage.WON, OpportunityStage.LOST):
                close = today - dt.timedelta(days=rnd.randint(10, 200))
            else:
                close = today + dt.timedelta(days=rnd.randint(10, 240))
            title = rnd.choice(OPPORTUNITY_IDEAS[kind]).format(
                dept=rnd.choice(self.note.departments[:3]),
                n=rnd.randint(2, 6),
                year=close.year,
            )
            self.batch.opportunities.append(
                Opportunity(
                    account=self.account,
                    title=title,
                    kind=kind,
                    stage=stage,
                    amount=Decimal(rnd.randint(low, high) * 50_000),
                    expected_close_date=close,
                    owner=rnd.choice([self.owner, self.owner, *self.team_users]),
                    notes=rnd.choice(OPPORTUNITY_NOTES).format(dept=self.note.departments[0]),
                )
            )

    def _meetings(self) -> None:
        rnd, today = self.rnd, self.today
        ideas = rnd.sample(MEETING_IDEAS, rnd.randint(3, 8))
        days_ago = sorted(rnd.sample(range(1, 330), len(ideas)))
        for (kind, subject, notes, next_steps), ago in zip(ideas, days_ago, strict=True):
            day = today - dt.timedelta(days=ago)
            # Only people whose last contact is on or after the meeting can have attended it.
            present = [p for p in self.people if p.last_contacted_on and p.last_contacted_on >= day]
            if not present:
                latest = max(self.people, key=lambda p: p.last_contacted_on or dt.date.min)
                latest.last_contacted_on = day
                present = [latest]
            people = rnd.sample(present, min(len(present), rnd.randint(1, 4)))
            users = [self.owner]
            if self.team_users and rnd.random() < 0.5:
                users.append(rnd.choice(self.team_users))
            if kind in (MeetingKind.QBR, MeetingKind.VISIT) and self.tier == Tier.STRATEGIC:
                users.append(self.staff.manager)
            meeting = Meeting(
                account=self.account,
                held_at=_aware(day, rnd.choice([10, 11, 13, 14, 15, 16]), rnd.choice([0, 30])),
                kind=kind,
                subject=subject,
                notes=notes.format(dept=rnd.choice(self.note.departments[:3])),
                next_steps=next_steps,
                recorded_by=self.owner,
            )
            self.batch.meetings.append((meeting, people, users))

    # Account plans

    def _current_plan(self) -> None:
        rnd, today = self.rnd, self.today
        start, end = fiscal_year_bounds(day=today, start_month=settings.FISCAL_YEAR_START_MONTH)
        cadence = rnd.choice(CADENCES_BY_TIER[self.tier])
        cycle = relativedelta(months=int(cadence))
        window = (today - (today - cycle)).days
        if self.index % 4 == 3:  # overdue for review
            last_reviewed = today - cycle - dt.timedelta(days=rnd.randint(3, 25))
        else:
            last_reviewed = today - dt.timedelta(days=rnd.randint(3, window - 3))
        dept = self.note.departments
        top_title = self.top.title
        plan = AccountPlan(
            account=self.account,
            title=f"{self.company.short_name} アカウントプラン {start.year}年度",
            period_start=start,
            period_end=end,
            status=PlanStatus.ACTIVE,
            owner=self.owner,
            value_who=f"{dept[0]}と{dept[1]}の部長層、現場の計画担当者、最終決裁者の{top_title}",
            value_what=rnd.choice(
                [
                    "拠点横断で在庫と需給を可視化し、在庫回転日数を15%改善して欠品による機会"
                    "損失を減らす。",
                    "計画業務の標準化とデータ活用により、月次の計画立案にかかる工数を半減する。",
                    "障害に強い運用体制と監視サービスで、業務停止のリスクを最小にする。",
                ]
            ),
            value_when=f"FY{start.year}上期にPoCと効果検証、下期に主要拠点へ展開。次回の契約"
            "更新までに効果を数字で示す。",
            value_how="ハーモニーSCMの追加導入とハーモニー分析基盤、導入コンサルティング、"
            "専任カスタマーサクセスによる伴走支援。",
            profile_organisation=f"{top_title}の下に{'・'.join(dept)}を置く。"
            f"{dept[1]}は管理部門の傘下で、{dept[0]}の発言力が強い。"
            f"従業員は約{self.account.employees:,}名。",
            profile_decision_process=rnd.choice(DECISION_PROCESSES).format(
                dept=dept[0], top=top_title
            ),
            profile_culture=rnd.choice(CULTURES),
            profile_business_goals=self.note.business_goals,
            review_cadence_months=cadence,
            last_reviewed_on=last_reviewed,
            next_review_date=last_reviewed + cycle,
        )
        self.batch.plans.append(plan)
        reviewers = [self.staff.manager if self.tier == Tier.STRATEGIC else self.owner]
        if rnd.random() < 0.5:
            reviewers.append(self.owner)
        for k, reviewer in enumerate(reviewers):
            reviewed = last_reviewed - cycle * k
            self.batch.reviews.append(
                PlanReview(
                    plan=plan,
                    reviewed_on=reviewed,
                    reviewer=reviewer,
                    notes=rnd.choice(REVIEW_NOTES),
                    decisions=rnd.choice(REVIEW_DECISIONS),
                    next_review_date=reviewed + cycle,
                )
            )

        ideas = [REVENUE_GOAL, *rnd.sample(GOAL_IDEAS, rnd.randint(1, 3))]
        # At least two goals carry a KPI.
        if sum(idea.kpi is not None for idea in ideas) < 2:
            ideas[1] = rnd.choice([idea for idea in GOAL_IDEAS if idea.kpi is not None])
        needs = [self._need(plan, idea.need) for idea in ideas]
        if len(needs) < 4 and rnd.random() < 0.5:
            self._need(plan, rnd.choice(EXTRA_NEEDS))
        quarter_ends = _quarter_ends(start, 4)
        goals = []
        for idea, need in zip(ideas, needs, strict=True):
            goal = self._goal(plan, idea, need, rnd.choice(quarter_ends[1:]), f"FY{start.year}")
            goals.append(goal)
            if idea.kpi is not None:
                self._kpi(plan, goal, idea.kpi)
        self._competitors(plan)
        self._engagements(plan)
        self._actions(plan, goals)

    def _need(self, plan: AccountPlan, idea: NeedIdea, status: str = NeedStatus.OPEN):
        need = CustomerNeed(
            plan=plan,
            kind=idea.kind,
            title=idea.title.format(business=self.note.business),
            description=idea.description,
            root_cause=idea.root_cause,
            source=idea.source,
            priority=self.rnd.choice([1, 1, 2, 2, 3]),
            status=status,
        )
        self.batch.needs.append(need)
        return need

    def _goal(
        self, plan: AccountPlan, idea: GoalIdea, need: CustomerNeed, due: dt.date, fy: str
    ) -> Goal:
        rnd = self.rnd
        if idea.baseline is None:
            base = max(float(self.contract_value_jpy) / 1_000_000, 1.0)
        else:
            base = rnd.uniform(*idea.baseline)
        baseline = _quantize(base, idea.decimals)
        how, low, high = idea.target
        target_value = base * rnd.uniform(low, high) if how == "factor" else rnd.uniform(low, high)
        target = _quantize(target_value, idea.decimals)
        if target == baseline:
            target += Decimal(1).scaleb(-idea.decimals)
        if due < self.today:
            status = rnd.choice([GoalStatus.ACHIEVED, GoalStatus.ACHIEVED, GoalStatus.MISSED])
        else:
            status = rnd.choice(
                [
                    GoalStatus.NOT_STARTED,
                    GoalStatus.ON_TRACK,
                    GoalStatus.ON_TRACK,
                    GoalStatus.AT_RISK,
                ]
            )
        share = {
            GoalStatus.ACHIEVED: rnd.uniform(1.0, 1.15),
            GoalStatus.MISSED: rnd.uniform(0.2, 0.8),
            GoalStatus.ON_TRACK: rnd.uniform(0.4, 0.9),
            GoalStatus.AT_RISK: rnd.uniform(0.0, 0.35),
            GoalStatus.NOT_STARTED: 0.0,
        }[status]
        current = None
        if status != GoalStatus.NOT_STARTED or rnd.random() < 0.5:
            current = _quantize(
                float(baseline + (target - baseline) * Decimal(share)), idea.decimals
            )
        goal = Goal(
            plan=plan,
            need=need,
            category=idea.category,
            statement=idea.statement.format(fy=fy, target=_number(target)),
            metric=idea.metric,
            unit=idea.unit,
            baseline=baseline,
            target=target,
            current_value=current,
            achievable_because=idea.achievable_because,
            due_date=due,
            status=status,
        )
        self.batch.goals.append(goal)
        return goal

    def _kpi(self, plan: AccountPlan, goal: Goal, idea: KPIIdea) -> KPI:
        rnd = self.rnd
        if idea.target_from == "quarter":
            target = goal.target / 4
        elif idea.target_from == "count":
            target = Decimal(rnd.randint(2, 5))
        else:
            target = goal.target
        target = target.quantize(Decimal(1).scaleb(-idea.decimals))
        at_risk = self.status == AccountStatus.AT_RISK
        attainment = rnd.uniform(0.45, 0.85) if at_risk else rnd.uniform(0.6, 1.15)
        lower = idea.direction == Direction.LOWER
        end = float(target) / attainment if lower else float(target) * attainment
        begin = end * (rnd.uniform(1.2, 1.7) if lower else rnd.uniform(0.55, 0.95))
        if idea.kind == KPIKind.NPS:
            begin = end - rnd.uniform(5, 25)
        kpi = KPI(
            plan=plan,
            goal=goal,
            name=idea.name,
            kind=idea.kind,
            unit=idea.unit,
            target=target,
            direction=idea.direction,
        )
        dates = _recent_quarter_ends(self.today, settings.FISCAL_YEAR_START_MONTH, 8)
        values = []
        for q, day in enumerate(dates):
            trend = begin + (end - begin) * q / (len(dates) - 1)
            noise = 0 if q == len(dates) - 1 else rnd.uniform(-0.06, 0.06) * abs(trend or 1)
            value = trend + noise
            if idea.ceiling is not None:
                value = min(value, idea.ceiling)
            if idea.kind != KPIKind.NPS:
                value = max(value, 0)
            values.append(_quantize(value, idea.decimals))
            self.batch.measurements.append(
                KPIMeasurement(kpi=kpi, measured_on=day, value=values[-1], recorded_by=self.owner)
            )
        # What plans.services.kpi_refresh_latest would store: the newest measurement.
        kpi.latest_value, kpi.latest_measured_on = values[-1], dates[-1]
        self.batch.kpis.append(kpi)
        return kpi

    def _competitors(self, plan: AccountPlan) -> None:
        rnd = self.rnd
        chosen = rnd.sample(COMPETITORS, rnd.randint(2, 3))
        room = 80
        for k, idea in enumerate(chosen):
            share = rnd.randint(15, 45) if k == 0 else rnd.randint(5, min(25, room))
            room -= share
            self.batch.competitors.append(
                CompetitorPosition(
                    plan=plan,
                    competitor=idea.competitor,
                    products=idea.products,
                    pricing_strategy=idea.pricing_strategy,
                    marketing_strategy=idea.marketing_strategy,
                    relationship=idea.relationship,
                    share_of_wallet=share,
                    strengths=idea.strengths,
                    weaknesses=idea.weaknesses,
                    threat_level=rnd.choice([1, 2, 2, 3]) if k else 3,
                    differentiation=idea.differentiation,
                    win_strategy=idea.win_strategy,
                )
            )

    def _engagements(self, plan: AccountPlan) -> None:
        rnd = self.rnd
        key_roles = (
            BuyingRole.DECISION_MAKER,
            BuyingRole.ECONOMIC_BUYER,
            BuyingRole.CHAMPION,
            BuyingRole.BLOCKER,
        )
        for person in self.people:
            if person.influence < 4 and person.buying_role not in key_roles:
                continue
            if person.attitude < 0:
                approach = (
                    f"懸念（{rnd.choice(CONCERNS)}）を個別に伺い、月1回の面談で解消策を示す。"
                    "同業の導入事例で不安を和らげる。"
                )
            elif person.attitude == 0:
                approach = "課題に沿った情報提供を続け、小さな成功事例を共有して支持者になって"
                approach += "もらう。"
            elif person.attitude == 1:
                approach = "社内説明の材料（ROI試算・事例）を提供し、推進役を担ってもらう。"
            else:
                approach = "定期的に情報交換し、社内の合意形成を一緒に進める。新任者への紹介を"
                approach += "お願いする。"
            if person.reports_to is None and self.tier in (Tier.STRATEGIC, Tier.KEY):
                who = self.staff.manager
            else:
                who = person.relationship_owner or self.owner
            self.batch.engagements.append(
                StakeholderEngagement(
                    plan=plan,
                    stakeholder=person,
                    desired_attitude=max(
                        Attitude.SUPPORTER, min(Attitude.CHAMPION, person.attitude + 1)
                    ),
                    owner=who,
                    approach=approach,
                )
            )

    def _actions(self, plan: AccountPlan, goals: list[Goal]) -> None:
        rnd, today = self.rnd, self.today
        chosen = [(phase, rnd.choice(ideas)) for phase, ideas in ACTION_IDEAS.items()]
        spare = [
            (phase, idea)
            for phase, ideas in ACTION_IDEAS.items()
            for idea in ideas
            if (phase, idea) not in chosen
        ]
        chosen += rnd.sample(spare, rnd.randint(1, 7))
        owners = [self.owner, self.owner, *self.team_users]
        for phase, (title, description, resources) in sorted(chosen, key=lambda c: c[0]):
            due = today + dt.timedelta(days=rnd.randint(*ACTION_WINDOWS[phase]))
            draw = rnd.random()
            if due < today:
                status = (
                    ActionStatus.DONE
                    if draw < 0.65
                    else ActionStatus.OPEN
                    if draw < 0.83
                    else ActionStatus.IN_PROGRESS
                    if draw < 0.95
                    else ActionStatus.BLOCKED
                )
            else:
                status = (
                    ActionStatus.OPEN
                    if draw < 0.55
                    else ActionStatus.IN_PROGRESS
                    if draw < 0.85
                    else ActionStatus.DONE
                    if draw < 0.95
                    else ActionStatus.BLOCKED
                )
            completed = None
            if status == ActionStatus.DONE:
                finished = min(due, today - dt.timedelta(days=1)) - dt.timedelta(rnd.randint(0, 6))
                completed = _aware(finished, rnd.choice([10, 15, 17]))
            self.batch.actions.append(
                ActionItem(
                    plan=plan,
                    goal=rnd.choice([*goals, None]),
                    phase=phase,
                    title=title,
                    description=description.format(dept=self.note.departments[0]),
                    owner=rnd.choice(owners),
                    due_date=due,
                    resources=resources,
                    status=status,
                    completed_at=completed,
                )
            )

    def _archived_plan(self) -> None:
        rnd = self.rnd
        current_start, _ = fiscal_year_bounds(
            day=self.today, start_month=settings.FISCAL_YEAR_START_MONTH
        )
        start = current_start - relativedelta(years=1)
        end = current_start - dt.timedelta(days=1)
        plan = AccountPlan(
            account=self.account,
            title=f"{self.company.short_name} アカウントプラン {start.year}年度",
            period_start=start,
            period_end=end,
            status=PlanStatus.ARCHIVED,
            owner=self.owner,
            value_what="既存拠点での安定稼働と、追加拠点への展開の足がかりを作る。",
            profile_business_goals=self.note.business_goals,
            review_cadence_months=ReviewCadence.QUARTERLY,
            last_reviewed_on=end - dt.timedelta(days=rnd.randint(3, 20)),
        )
        self.batch.plans.append(plan)
        for idea in (REVENUE_GOAL, rnd.choice(GOAL_IDEAS)):
            need = self._need(plan, idea.need, status=NeedStatus.ADDRESSED)
            # Due at the end of a closed year, so each goal comes out achieved or missed.
            self._goal(plan, idea, need, end, f"FY{start.year}")
        self.batch.reviews.append(
            PlanReview(
                plan=plan,
                reviewed_on=plan.last_reviewed_on,
                reviewer=self.owner,
                notes="年度末の振り返り。受注額は計画をおおむね達成。関係構築の目標は未達。",
                decisions="未達の目標は次年度のアカウントプランに引き継ぐ。",
            )
        )
