/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The memory layout the dmesg fuzz target and its seeds share: a small
 * printk ring buffer at fixed physical addresses from 0, described by a
 * fixed VMCOREINFO text.  Structure offsets are those of an x86_64 6.1
 * kernel; kernel-image addresses map to physical 0 (NUMBER(phys_base) is
 * negative, as on a relocated kernel), and SYMBOL(init_top_pgt) points at
 * the page at 0x1000, so the fuzzer can also build page tables there and
 * send the decoder through a direct-map walk.
 */
#ifndef LKCD_FUZZ_DMESG_LAYOUT_H
#define LKCD_FUZZ_DMESG_LAYOUT_H

#define DL_KIMG		0xffffffff81000000ull	/* _stext: paddr 0 */
#define DL_KV(pa)	(DL_KIMG + (pa))

#define DL_PRB_PTR	0x000	/* struct printk_ringbuffer *prb */
#define DL_PRB		0x040	/* the ring buffer struct */
#define DL_DESCS	0x100
#define DL_INFOS	0x200
#define DL_DATA		0x500
#define DL_PGT		0x1000	/* init_top_pgt */

#define DL_COUNT_BITS	3	/* 8 descriptors */
#define DL_SIZE_BITS	9	/* 512 bytes of text */

/* struct layout (6.1, x86_64) */
#define DL_SZ_PRB	112
#define DL_O_DESC_RING	0
#define DL_O_TEXT_RING	48
#define DL_O_COUNT_BITS	0
#define DL_O_DESCS	8
#define DL_O_INFOS	16
#define DL_O_HEAD_ID	24
#define DL_O_TAIL_ID	32
#define DL_O_SIZE_BITS	0
#define DL_O_DATA	8
#define DL_O_HEAD_LPOS	16
#define DL_O_TAIL_LPOS	24
#define DL_SZ_DESC	24
#define DL_O_STATE	0
#define DL_O_LPOS	8
#define DL_O_BEGIN	0
#define DL_O_NEXT	8
#define DL_SZ_INFO	88
#define DL_O_SEQ	0
#define DL_O_TS		8
#define DL_O_TEXT_LEN	16
#define DL_O_CALLER	20
#define DL_O_DEV_INFO	24

#define DL_STR(x)	#x
#define DL_XSTR(x)	DL_STR(x)

static const char dl_vmcoreinfo[] =
	"OSRELEASE=6.1.0-fuzz\n"
	"PAGESIZE=4096\n"
	"SYMBOL(_stext)=ffffffff81000000\n"
	"SYMBOL(prb)=ffffffff81000000\n"
	"SYMBOL(init_top_pgt)=ffffffff81001000\n"
	"SIZE(printk_ringbuffer)=112\n"
	"OFFSET(printk_ringbuffer.desc_ring)=0\n"
	"OFFSET(printk_ringbuffer.text_data_ring)=48\n"
	"OFFSET(printk_ringbuffer.fail)=80\n"
	"SIZE(prb_desc_ring)=48\n"
	"OFFSET(prb_desc_ring.count_bits)=0\n"
	"OFFSET(prb_desc_ring.descs)=8\n"
	"OFFSET(prb_desc_ring.infos)=16\n"
	"OFFSET(prb_desc_ring.head_id)=24\n"
	"OFFSET(prb_desc_ring.tail_id)=32\n"
	"SIZE(prb_desc)=24\n"
	"OFFSET(prb_desc.state_var)=0\n"
	"OFFSET(prb_desc.text_blk_lpos)=8\n"
	"SIZE(prb_data_blk_lpos)=16\n"
	"OFFSET(prb_data_blk_lpos.begin)=0\n"
	"OFFSET(prb_data_blk_lpos.next)=8\n"
	"SIZE(printk_info)=88\n"
	"OFFSET(printk_info.seq)=0\n"
	"OFFSET(printk_info.ts_nsec)=8\n"
	"OFFSET(printk_info.text_len)=16\n"
	"OFFSET(printk_info.caller_id)=20\n"
	"OFFSET(printk_info.dev_info)=24\n"
	"SIZE(dev_printk_info)=64\n"
	"OFFSET(dev_printk_info.subsystem)=0\n"
	"LENGTH(printk_info_subsystem)=16\n"
	"OFFSET(dev_printk_info.device)=16\n"
	"LENGTH(printk_info_device)=48\n"
	"SIZE(prb_data_ring)=32\n"
	"OFFSET(prb_data_ring.size_bits)=0\n"
	"OFFSET(prb_data_ring.data)=8\n"
	"OFFSET(prb_data_ring.head_lpos)=16\n"
	"OFFSET(prb_data_ring.tail_lpos)=24\n"
	"SIZE(atomic_long_t)=8\n"
	"OFFSET(atomic_long_t.counter)=0\n"
	"NUMBER(phys_base)=-16777216\n"
	"NUMBER(pgtable_l5_enabled)=0\n"
	"KERNELOFFSET=0\n"
	"NUMBER(KERNEL_IMAGE_SIZE)=1073741824\n"
	"NUMBER(sme_mask)=0\n";

#endif
