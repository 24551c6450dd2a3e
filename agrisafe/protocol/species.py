"""The 中文 → species map used when reference data names animals in Chinese.

protocol-v1.md: 牛 → cattle + dairy_cow, 羊 → sheep + goat, 鸡/禽 → broiler + layer + chicken
(+ duck, goose for 禽).
"""

from agrisafe.protocol.enums import Species

CHINESE_SPECIES: dict[str, frozenset[Species]] = {
    "猪": frozenset({Species.PIG}),
    "牛": frozenset({Species.CATTLE, Species.DAIRY_COW}),
    "奶牛": frozenset({Species.DAIRY_COW}),
    "肉牛": frozenset({Species.CATTLE}),
    "羊": frozenset({Species.SHEEP, Species.GOAT}),
    "绵羊": frozenset({Species.SHEEP}),
    "山羊": frozenset({Species.GOAT}),
    "鸡": frozenset({Species.BROILER, Species.LAYER, Species.CHICKEN}),
    "肉鸡": frozenset({Species.BROILER}),
    "蛋鸡": frozenset({Species.LAYER}),
    "禽": frozenset({Species.BROILER, Species.LAYER, Species.CHICKEN, Species.DUCK, Species.GOOSE}),
    "鸭": frozenset({Species.DUCK}),
    "鹅": frozenset({Species.GOOSE}),
    "兔": frozenset({Species.RABBIT}),
    "鱼": frozenset({Species.FISH}),
}
