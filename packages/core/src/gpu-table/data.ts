import type { GpuSpec } from './types.js'

// Sources: vendor spec sheets (memory size, bus width × data rate) and NVIDIA's CUDA GPU list
// (compute capability). Cards sold in several memory sizes are listed once per size when the
// bandwidth differs; the matcher picks the size closest to what the machine reports.

type Row = [name: string, vramGiB: number | null, bandwidthGBs: number, cc: string | null]

const nvidia = (segment: GpuSpec['segment'], rows: Row[]): GpuSpec[] =>
  rows.map(([name, vramGiB, bandwidthGBs, computeCapability]) => ({ name, vendor: 'nvidia', segment, vramGiB, bandwidthGBs, computeCapability }))
const other = (vendor: GpuSpec['vendor'], segment: GpuSpec['segment'], rows: Row[]): GpuSpec[] =>
  rows.map(([name, vramGiB, bandwidthGBs]) => ({ name, vendor, segment, vramGiB, bandwidthGBs, computeCapability: null }))

export const GPU_TABLE: readonly GpuSpec[] = [
  ...nvidia('consumer', [
    ['GTX 1050', 2, 112, '6.1'], ['GTX 1050 Ti', 4, 112, '6.1'], ['GTX 1060', 6, 192, '6.1'], ['GTX 1060 3GB', 3, 192, '6.1'],
    ['GTX 1070', 8, 256, '6.1'], ['GTX 1070 Ti', 8, 256, '6.1'], ['GTX 1080', 8, 320, '6.1'], ['GTX 1080 Ti', 11, 484, '6.1'],
    ['Titan Xp', 12, 548, '6.1'], ['Titan V', 12, 653, '7.0'],
    ['GTX 1650', 4, 128, '7.5'], ['GTX 1650 Super', 4, 192, '7.5'], ['GTX 1660', 6, 192, '7.5'],
    ['GTX 1660 Super', 6, 336, '7.5'], ['GTX 1660 Ti', 6, 288, '7.5'],
    ['RTX 2060', 6, 336, '7.5'], ['RTX 2060 12GB', 12, 336, '7.5'], ['RTX 2060 Super', 8, 448, '7.5'], ['RTX 2070', 8, 448, '7.5'],
    ['RTX 2070 Super', 8, 448, '7.5'], ['RTX 2080', 8, 448, '7.5'], ['RTX 2080 Super', 8, 496, '7.5'],
    ['RTX 2080 Ti', 11, 616, '7.5'], ['Titan RTX', 24, 672, '7.5'],
    ['RTX 3050', 8, 224, '8.6'], ['RTX 3050 6GB', 6, 168, '8.6'], ['RTX 3060', 12, 360, '8.6'], ['RTX 3060 8GB', 8, 240, '8.6'],
    ['RTX 3060 Ti', 8, 448, '8.6'], ['RTX 3070', 8, 448, '8.6'], ['RTX 3070 Ti', 8, 608, '8.6'],
    ['RTX 3080', 10, 760, '8.6'], ['RTX 3080 12GB', 12, 912, '8.6'], ['RTX 3080 Ti', 12, 912, '8.6'],
    ['RTX 3090', 24, 936, '8.6'], ['RTX 3090 Ti', 24, 1008, '8.6'],
    ['RTX 4060', 8, 272, '8.9'], ['RTX 4060 Ti', 8, 288, '8.9'], ['RTX 4060 Ti 16GB', 16, 288, '8.9'],
    ['RTX 4070', 12, 504, '8.9'], ['RTX 4070 Super', 12, 504, '8.9'], ['RTX 4070 Ti', 12, 504, '8.9'],
    ['RTX 4070 Ti Super', 16, 672, '8.9'], ['RTX 4080', 16, 717, '8.9'], ['RTX 4080 Super', 16, 736, '8.9'],
    ['RTX 4090', 24, 1008, '8.9'],
    ['RTX 5060', 8, 448, '12.0'], ['RTX 5060 Ti', 16, 448, '12.0'], ['RTX 5060 Ti 8GB', 8, 448, '12.0'],
    ['RTX 5070', 12, 672, '12.0'], ['RTX 5070 Ti', 16, 896, '12.0'], ['RTX 5080', 16, 960, '12.0'],
    ['RTX 5090', 32, 1792, '12.0']
  ]),
  ...nvidia('laptop', [
    ['GTX 1050 Laptop', 4, 112, '6.1'], ['GTX 1050 Ti Laptop', 4, 112, '6.1'], ['GTX 1060 Laptop', 6, 192, '6.1'],
    ['GTX 1070 Laptop', 8, 256, '6.1'], ['GTX 1080 Laptop', 8, 320, '6.1'],
    ['GTX 1650 Laptop', 4, 128, '7.5'], ['GTX 1650 Ti Laptop', 4, 192, '7.5'], ['GTX 1660 Ti Laptop', 6, 288, '7.5'],
    ['RTX 2060 Laptop', 6, 336, '7.5'], ['RTX 2070 Laptop', 8, 448, '7.5'], ['RTX 2070 Super Laptop', 8, 448, '7.5'],
    ['RTX 2080 Laptop', 8, 448, '7.5'], ['RTX 2080 Super Laptop', 8, 448, '7.5'],
    ['RTX 3050 Laptop', 4, 192, '8.6'], ['RTX 3050 Ti Laptop', 4, 192, '8.6'], ['RTX 3060 Laptop', 6, 336, '8.6'],
    ['RTX 3070 Laptop', 8, 448, '8.6'], ['RTX 3070 Ti Laptop', 8, 448, '8.6'], ['RTX 3080 Laptop', 16, 448, '8.6'],
    ['RTX 3080 Laptop 8GB', 8, 384, '8.6'], ['RTX 3080 Ti Laptop', 16, 512, '8.6'],
    ['RTX 4050 Laptop', 6, 192, '8.9'], ['RTX 4060 Laptop', 8, 256, '8.9'], ['RTX 4070 Laptop', 8, 256, '8.9'],
    ['RTX 4080 Laptop', 12, 432, '8.9'], ['RTX 4090 Laptop', 16, 576, '8.9'],
    ['RTX 5060 Laptop', 8, 384, '12.0'], ['RTX 5070 Laptop', 8, 384, '12.0'], ['RTX 5070 Ti Laptop', 12, 672, '12.0'],
    ['RTX 5080 Laptop', 16, 896, '12.0'], ['RTX 5090 Laptop', 24, 896, '12.0']
  ]),
  ...nvidia('workstation', [
    ['RTX A2000', 6, 288, '8.6'], ['RTX A4000', 16, 448, '8.6'], ['RTX A4500', 20, 640, '8.6'], ['RTX A5000', 24, 768, '8.6'],
    ['RTX A6000', 48, 768, '8.6'], ['RTX 4000 Ada', 20, 360, '8.9'], ['RTX 5000 Ada', 32, 576, '8.9'],
    ['RTX 6000 Ada', 48, 960, '8.9'], ['Quadro RTX 4000', 8, 416, '7.5'], ['Quadro RTX 5000', 16, 448, '7.5'],
    ['Quadro RTX 6000', 24, 672, '7.5'], ['Quadro RTX 8000', 48, 672, '7.5'],
    ['RTX PRO 6000 Blackwell', 96, 1792, '12.0']
  ]),
  ...nvidia('datacenter', [
    ['Tesla P4', 8, 192, '6.1'], ['Tesla P40', 24, 346, '6.1'], ['Tesla P100', 16, 732, '6.0'],
    ['Tesla V100', 16, 900, '7.0'], ['V100 32GB', 32, 900, '7.0'], ['Tesla T4', 16, 320, '7.5'],
    ['A2', 16, 200, '8.6'], ['A10', 24, 600, '8.6'], ['A10G', 24, 600, '8.6'], ['A16', 16, 200, '8.6'], ['A30', 24, 933, '8.0'],
    ['A40', 48, 696, '8.6'], ['A100', 40, 1555, '8.0'], ['A100 80GB', 80, 2039, '8.0'], ['A100 80GB PCIe', 80, 1935, '8.0'],
    ['L4', 24, 300, '8.9'], ['L40', 48, 864, '8.9'], ['L40S', 48, 864, '8.9'],
    ['H100 PCIe', 80, 2000, '9.0'], ['H100', 80, 3350, '9.0'], ['H100 NVL', 94, 3900, '9.0'],
    ['H200', 141, 4800, '9.0'], ['H200 NVL', 141, 4800, '9.0'], ['GH200', 96, 4000, '9.0'],
    ['B200', 180, 8000, '10.0']
  ]),
  ...other('amd', 'consumer', [
    ['RX 6400', 4, 128, null], ['RX 6500 XT', 4, 144, null], ['RX 6600', 8, 224, null], ['RX 6600 XT', 8, 256, null],
    ['RX 6650 XT', 8, 280, null], ['RX 6700', 10, 320, null], ['RX 6700 XT', 12, 384, null], ['RX 6750 XT', 12, 432, null],
    ['RX 6800', 16, 512, null], ['RX 6800 XT', 16, 512, null], ['RX 6900 XT', 16, 512, null], ['RX 6950 XT', 16, 576, null],
    ['RX 7600', 8, 288, null], ['RX 7600 XT', 16, 288, null], ['RX 7700 XT', 12, 432, null], ['RX 7800 XT', 16, 624, null],
    ['RX 7900 GRE', 16, 576, null], ['RX 7900 XT', 20, 800, null], ['RX 7900 XTX', 24, 960, null],
    ['RX 9060 XT', 16, 320, null], ['RX 9070', 16, 640, null], ['RX 9070 XT', 16, 640, null]
  ]),
  ...other('amd', 'workstation', [['Radeon Pro W7900', 48, 864, null], ['Radeon Pro W7800', 32, 576, null]]),
  ...other('amd', 'datacenter', [['Instinct MI210', 64, 1638, null], ['Instinct MI250X', 128, 3277, null], ['Instinct MI300X', 192, 5300, null]]),
  ...other('intel', 'consumer', [['Arc A380', 6, 186, null], ['Arc A750', 8, 512, null], ['Arc A770', 16, 560, null], ['Arc B570', 10, 380, null], ['Arc B580', 12, 456, null]]),
  ...other('apple', 'apple', [
    ['M1', null, 68, null], ['M1 Pro', null, 200, null], ['M1 Max', null, 400, null], ['M1 Ultra', null, 800, null],
    ['M2', null, 100, null], ['M2 Pro', null, 200, null], ['M2 Max', null, 400, null], ['M2 Ultra', null, 800, null],
    ['M3', null, 100, null], ['M3 Pro', null, 150, null], ['M3 Max', null, 400, null], ['M3 Ultra', null, 819, null],
    ['M4', null, 120, null], ['M4 Pro', null, 273, null], ['M4 Max', null, 546, null]
  ])
]
